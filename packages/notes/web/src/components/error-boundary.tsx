import { Component, type ReactNode } from "react";
import { href } from "../router.ts";

/** Keeps one screen's failure on that screen: the rest of the app goes on working. */
export class ErrorBoundary extends Component<
  { children: ReactNode; resetKey: string },
  { error: Error | null }
> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="empty">
        <p>Something went wrong showing this screen: {this.state.error.message}</p>
        <a className="button" href={href.list()}>
          Back to notes
        </a>
      </div>
    );
  }
}
