// Small components and formatters shared by the pages.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.js";

// --- small components ------------------------------------------------------------------------

export function ErrorNote({ error }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error instanceof ApiError ? `${error.status}: ${error.message}` : String(error.message || error)}
    </p>
  );
}

// What the last action said (`note`, announced politely) and its error, if any.
export function ActionResult({ note, error }) {
  return (
    <>
      <p class="note" role="status">
        {note}
      </p>
      <ErrorNote error={error} />
    </>
  );
}

export function Loading({ state, children }) {
  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.data)
    return (
      <p class="muted" aria-live="polite">
        Loading…
      </p>
    );
  return children(state.data);
}

export const time = (t) => (t ? new Date(t).toLocaleString() : "");

// How long ago `t` was ("5 minutes ago"), for recent times; "" without one.
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
export function ago(t) {
  if (!t) return "";
  const s = (Date.parse(t) - Date.now()) / 1000;
  for (const [unit, size] of [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ])
    if (Math.abs(s) >= size) return RELATIVE.format(Math.round(s / size), unit);
  return RELATIVE.format(Math.round(s), "second");
}

export const ATTEMPT_STATUS = { 0: "succeeded", 1: "pending", 2: "failed", 3: "sending", 4: "canceled" };
export const MESSAGE_STATUS = ATTEMPT_STATUS;

export function Status({ code, names = ATTEMPT_STATUS }) {
  const name = names[code] ?? String(code);
  return <span class={`badge badge-${name}`}>{name}</span>;
}

export function Field({ label, children, hint }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <small class="muted">{hint}</small>}
    </label>
  );
}

// Focuses the page's heading when the page changes, for keyboard and screen reader users.
export function Title({ children }) {
  const ref = useRef(null);
  const page = location.hash.split("?")[0]; // a new query (filters) is the same page
  // Arriving at a page puts focus on its heading (screen readers announce it), unless the user is
  // already in a form field: text loading later (an app's name) never takes focus away.
  useEffect(() => {
    if (!document.activeElement?.matches("input, textarea, select")) ref.current?.focus();
  }, [page]);
  useEffect(() => {
    document.title = `${ref.current?.textContent ?? ""} · hookd`;
  }, [children]);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

// A paged list: its items through `children`, then "Load more" while the API says it is not done.
// A list as a table: `columns` are the header labels (falsy ones are left out, as `row` leaves
// their cells out), `row(item)` renders one <tr>; `empty` is said instead when there are none.
export function Table({ items, columns, row, empty, class: cls }) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table class={cls}>
      <thead>
        <tr>
          {columns.filter(Boolean).map((label) => (
            <th scope="col" key={label}>
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{items.map(row)}</tbody>
    </table>
  );
}

export function Paged({ state, label, children }) {
  if (!state.items)
    return state.error ? (
      <ErrorNote error={state.error} />
    ) : (
      <p class="muted" aria-live="polite">
        Loading…
      </p>
    );
  return (
    <>
      {children(state.items)}
      <ErrorNote error={state.error} />
      {!state.done && (
        <button type="button" class="more" disabled={state.loading} onClick={state.more}>
          Load more {label}
        </button>
      )}
    </>
  );
}

// A Table over a paged list (usePaged), with "Load more" while there is more.
export function PagedTable({ state, label, ...table }) {
  return (
    <Paged state={state} label={label}>
      {(items) => <Table items={items} {...table} />}
    </Paged>
  );
}

// An endpoint's state.
export function EnabledBadge({ disabled }) {
  return disabled ? <span class="badge badge-failed">disabled</span> : <span class="badge badge-succeeded">enabled</span>;
}

// A button that asks first: the question and "Confirm …"/"Cancel" replace it until answered.
// `name` (optional) is a longer accessible name than `label`, for one button among several alike.
export function ConfirmButton({ label, name, question, confirmLabel, onConfirm, disabled, danger }) {
  const [open, setOpen] = useState(false);
  const yes = useRef(null);
  useEffect(() => {
    if (open) yes.current?.focus();
  }, [open]);
  if (!open)
    return (
      <button type="button" class={danger ? "danger" : undefined} aria-label={name} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={name || label}>
      <span>{question}</span>
      <button
        type="button"
        ref={yes}
        class={danger ? "danger" : "primary"}
        disabled={disabled}
        onClick={async () => {
          setOpen(false);
          await onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </span>
  );
}

// A term and its description, left out when there is nothing to describe.
export function Fact({ term, children, mono }) {
  if (children === undefined || children === null || children === "") return null;
  return (
    <>
      <dt>{term}</dt>
      <dd class={mono ? "mono" : undefined}>{children}</dd>
    </>
  );
}

export const list = (v, none) => (Array.isArray(v) && v.length ? v.join(", ") : none);
export const mapText = (m) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")
    : undefined;
export const seconds = (s) => (s === null || s === undefined ? undefined : `${s} s`);
export const yesNo = (b) => (b === null || b === undefined ? undefined : b ? "yes" : "no");
// A datetime-local field's value as RFC 3339 (UTC), or "" when empty.
export const isoOf = (local) => (local ? new Date(local).toISOString() : "");
