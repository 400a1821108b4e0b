// Preloaded (--require) into a server started with --cpu-prof: V8 writes the profile only when the
// process exits by itself, and with NEXT_MANUAL_SIG_HANDLE=true nothing else turns SIGTERM into an exit.
process.on("SIGTERM", () => process.exit(0));
