// Operational webhooks (admin): the endpoints that receive hookd's own events (endpoint disabled,
// deliveries exhausted, …) and the recent events, which are messages of the operations app.
import { useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, usePaged } from "../hooks.js";
import { appHref } from "../route.js";
import { ActionResult, ConfirmButton, EnabledBadge, ErrorNote, Field, PagedTable, Title, list, time } from "../ui.jsx";

export const OPS_APP = "app_operational";
const OPS_PATH = "/operational-webhook/endpoint";
// The operational event types (core/ops_events.h).
export const OPS_EVENT_TYPES = [
  "endpoint.created",
  "endpoint.updated",
  "endpoint.deleted",
  "endpoint.disabled",
  "endpoint.enabled",
  "message.attempt.failing",
  "message.attempt.exhausted",
  "message.attempt.recovered",
  "message.completed",
  "message.killed",
  "message.not_killed",
  "message.reply",
  "batch.completed",
  "background_task.finished",
];

// What an event is about, from its payload's data: app, endpoint, message, task.
function subject(payload) {
  const d = payload?.data;
  if (!d || typeof d !== "object") return "";
  return [
    ["app", d.appUid || d.appId],
    ["endpoint", d.endpointUid || d.endpointId],
    ["message", d.msgEventId || d.msgId],
    ["task", d.taskId],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

export function Operational() {
  const eps = usePaged(() => `${OPS_PATH}?limit=100`, []);
  const events = usePaged(() => `/app/${OPS_APP}/msg?limit=50`, []);
  const create = useAction();
  const remove = useAction();
  const [url, setUrl] = useState("");
  const [types, setTypes] = useState([]);
  const [note, setNote] = useState("");
  const toggle = (t) => setTypes(types.includes(t) ? types.filter((x) => x !== t) : [...types, t]);
  return (
    <>
      <Title>Operational webhooks</Title>
      <p class="muted">
        Endpoints that receive hookd's own events: endpoints created, changed, disabled; deliveries failing or exhausted; tasks finished.
      </p>
      <section aria-labelledby="ops-endpoints">
        <h2 id="ops-endpoints">Endpoints</h2>
        <PagedTable
          state={eps}
          label="endpoints"
          class="ops-endpoints"
          empty="No operational webhook endpoints yet."
          columns={["URL", "Event types", "State", "Created", "Action"]}
          row={(ep) => (
            <tr key={ep.id}>
              <td class="url">
                {ep.url}
                <div class="muted mono small">{ep.id}</div>
              </td>
              <td>{list(ep.filterTypes, "all")}</td>
              <td>
                <EnabledBadge disabled={ep.disabled} />
              </td>
              <td>{time(ep.createdAt)}</td>
              <td>
                <ConfirmButton
                  label="Delete"
                  name={`Delete ${ep.url}`}
                  question="Delete this operational endpoint?"
                  confirmLabel="Confirm delete"
                  danger
                  disabled={remove.busy}
                  onConfirm={() =>
                    remove.run(async () => {
                      await api("DELETE", `${OPS_PATH}/${enc(ep.id)}`);
                      setNote(`Operational endpoint ${ep.url} deleted.`);
                      eps.reload();
                    })
                  }
                />
              </td>
            </tr>
          )}
        />
        <ActionResult note={note} error={remove.error} />
      </section>
      <section aria-labelledby="ops-create">
        <h2 id="ops-create">Add an operational endpoint</h2>
        <form
          class="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            setNote("");
            const ep = await create.run(() => api("POST", OPS_PATH, { url, ...(types.length ? { filterTypes: types } : {}) }));
            if (ep) {
              setUrl("");
              setTypes([]);
              setNote(`Operational endpoint ${ep.url} added.`);
              eps.reload();
            }
          }}
        >
          <Field label="URL">
            <input type="url" name="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          </Field>
          <fieldset class="choices">
            <legend>Event types (none checked: every event)</legend>
            {OPS_EVENT_TYPES.map((t) => (
              <label key={t}>
                <input type="checkbox" name="filterTypes" value={t} checked={types.includes(t)} onChange={() => toggle(t)} />
                {t}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary" disabled={create.busy}>
            Add operational endpoint
          </button>
        </form>
        <ErrorNote error={create.error} />
      </section>
      <section aria-labelledby="ops-events">
        <h2 id="ops-events">Recent operational events</h2>
        <button type="button" onClick={events.reload}>
          Refresh events
        </button>
        <PagedTable
          state={events}
          label="events"
          class="ops-events"
          empty="No operational events yet."
          columns={["Time", "Event type", "About", "Event"]}
          row={(m) => (
            <tr key={m.id}>
              <td>{time(m.timestamp)}</td>
              <td>{m.eventType}</td>
              <td>{subject(m.payload)}</td>
              <td class="mono">
                <a href={appHref(OPS_APP, `/msg/${enc(m.id)}`)}>{m.id}</a>
              </td>
            </tr>
          )}
        />
      </section>
    </>
  );
}
