/** The pulumi commands the bench times and counts, and its log. */
import type { TimedOperation } from "./report";

export const COMMANDS: Record<TimedOperation, string[]> = {
    "preview (create)": ["preview"],
    "up (create)": ["up", "--yes", "--skip-preview"],
    "preview (no changes)": ["preview"],
    "up (no changes)": ["up", "--yes", "--skip-preview"],
};
export const DESTROY = ["destroy", "--yes", "--skip-preview"];

export function log(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
}
