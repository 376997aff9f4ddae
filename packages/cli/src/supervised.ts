// A child started by a supervising command (the demo): when the supervisor's IPC channel closes —
// it stopped, or was killed outright — this process stops itself cleanly, as on Ctrl+C.
export function stopWithSupervisor(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
