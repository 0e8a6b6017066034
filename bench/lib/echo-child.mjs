// A plain Node child for the floors: answers each IPC message with itself, exits after one marked `last`.
process.on("message", (message) => {
  process.send(message);
  if (message.last) process.disconnect();
});
process.send({ ready: true });
