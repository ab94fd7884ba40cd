/** Small pieces the pages share. */
export function Badge({ status, label }: { status: string; label?: string }) {
  return <span class={`badge ${status}`}>{label ?? status}</span>;
}

/** A value of an <input> or <select> from its event. */
export const valueOf = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
export const checkedOf = (e: Event) => (e.target as HTMLInputElement).checked;

/**
 * A `datetime-local` value (the browser's local time, to the minute) as an ISO timestamp, and back:
 * the API takes and gives UTC with an offset.
 */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
export function isoToLocalInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
