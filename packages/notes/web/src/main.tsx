import "@parachute/design/tokens.css";
import "@parachute/design/base.css";
import "./styles.css";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { flush } from "./capture-queue.ts";

createRoot(document.getElementById("root")!).render(<App />);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/notes/sw.js", { scope: "/notes/" }).catch(() => {
    // Without a service worker the app still works online; only opening offline is lost.
  });
}
addEventListener("online", () => void flush());
// A hub that was down (or restarting) comes back without an "online" event: look again now and then.
setInterval(() => void flush(), 30_000);
