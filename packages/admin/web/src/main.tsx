import "@parachute/design/tokens.css";
import "@parachute/design/base.css";
import "./styles.css";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";

createRoot(document.getElementById("root")!).render(<App />);
