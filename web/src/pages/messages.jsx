// An app's messages: filters, lookup by id or eventId, load more.
import { useEffect, useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { appHref, go } from "../route.js";
import { ErrorNote, Field, PagedTable, isoOf, list, time } from "../ui.jsx";

export const MESSAGE_FILTERS = ["eventType", "channel", "tag", "after", "before"];

export function Messages({ appId, query }) {
  const applied = Object.fromEntries(MESSAGE_FILTERS.map((k) => [k, query.get(k) || ""]));
  const key = MESSAGE_FILTERS.map((k) => applied[k]).join("\u0000");
  const [filter, setFilter] = useState(applied);
  useEffect(() => setFilter(applied), [key]);
  const [lookup, setLookup] = useState("");
  const [batch, setBatch] = useState("");
  const find = useAction();
  const params = new URLSearchParams({ limit: "50", with_content: "false" });
  if (applied.eventType) params.set("event_types", applied.eventType);
  if (applied.channel) params.set("channel", applied.channel);
  if (applied.tag) params.set("tag", applied.tag);
  if (applied.after) params.set("after", isoOf(applied.after));
  if (applied.before) params.set("before", isoOf(applied.before));
  const msgs = usePaged(() => `/app/${enc(appId)}/msg?${params}`, [appId, key]);
  const set = (k) => (e) => setFilter({ ...filter, [k]: e.currentTarget.value });
  const described = MESSAGE_FILTERS.filter((k) => applied[k]).map((k) => `${k} ${applied[k]}`);
  return (
    <>
      <AppHeader appId={appId} current="messages" />
      <form
        class="inline"
        role="search"
        aria-label="Find a message by ID"
        onSubmit={(e) => {
          e.preventDefault();
          find.run(async () => {
            const m = await api("GET", `/app/${enc(appId)}/msg/${enc(lookup.trim())}?with_content=false`);
            go(appHref(appId, `/msg/${enc(m.id)}`));
          });
        }}
      >
        <Field label="Message ID or event ID">
          <input
            name="lookup"
            required
            value={lookup}
            placeholder="msg_… or your eventId"
            onInput={(e) => setLookup(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" disabled={find.busy}>
          Find message
        </button>
      </form>
      <ErrorNote error={find.error} />
      <form
        class="inline"
        role="search"
        aria-label="Find a batch's messages"
        onSubmit={(e) => {
          e.preventDefault();
          go(appHref(appId, `/batch/${enc(batch.trim())}`));
        }}
      >
        <Field label="Batch ID">
          <input name="batch" required value={batch} placeholder="your batchId" onInput={(e) => setBatch(e.currentTarget.value)} />
        </Field>
        <button type="submit">Show batch messages</button>
      </form>
      <form
        class="inline"
        role="search"
        aria-label="Filter messages"
        onSubmit={(e) => {
          e.preventDefault();
          const q = new URLSearchParams();
          for (const k of MESSAGE_FILTERS) if (filter[k]?.trim()) q.set(k, filter[k].trim());
          const s = q.toString();
          go(appHref(appId, `/messages${s ? `?${s}` : ""}`));
        }}
      >
        <Field label="Event type">
          <input name="eventType" value={filter.eventType} placeholder="e.g. invoice.paid" onInput={set("eventType")} />
        </Field>
        <Field label="Channel">
          <input name="channel" value={filter.channel} onInput={set("channel")} />
        </Field>
        <Field label="Tag">
          <input name="tag" value={filter.tag} onInput={set("tag")} />
        </Field>
        <Field label="After">
          <input type="datetime-local" name="after" value={filter.after} onInput={set("after")} />
        </Field>
        <Field label="Before">
          <input type="datetime-local" name="before" value={filter.before} onInput={set("before")} />
        </Field>
        <button type="submit">Filter</button>
        <button type="button" onClick={msgs.reload}>
          Refresh
        </button>
      </form>
      <section aria-labelledby="list-messages">
        <h2 id="list-messages">Messages{described.length ? ` (${described.join(", ")})` : ""}</h2>
        <PagedTable
          state={msgs}
          label="messages"
          empty="No messages."
          columns={["Message", "Event type", "Event ID", "Channels", "Tags", "Time"]}
          row={(m) => (
            <tr key={m.id}>
              <td class="mono">
                <a href={appHref(appId, `/msg/${enc(m.id)}`)}>{m.id}</a>
              </td>
              <td>{m.eventType}</td>
              <td>{m.eventId}</td>
              <td>{list(m.channels, "")}</td>
              <td>{list(m.tags, "")}</td>
              <td>{time(m.timestamp)}</td>
            </tr>
          )}
        />
      </section>
    </>
  );
}

// Where a message goes and how each delivery stands (GET .../msg/{msg}/endpoint).
