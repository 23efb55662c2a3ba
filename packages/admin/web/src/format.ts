/** Seconds as a person reads an uptime: "45 s", "12 min", "3 h 5 min", "2 days". */
export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  const days = Math.floor(seconds / 86_400);
  return `${days} day${days === 1 ? "" : "s"}`;
}

export const STATE_WORDS: Record<string, string> = {
  active: "Running",
  pending: "Starting",
  inactive: "Stopped",
  failing: "Failing",
};

/** A file size as a person reads it: "820 bytes", "14 KB", "3.2 MB". */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1048576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
