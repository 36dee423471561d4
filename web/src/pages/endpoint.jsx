// One endpoint: every option and its editing, secret, headers, recover and replay, enable/disable,
// test event, delete.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, useLoad, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { AttemptsTable } from "./attempts.jsx";
import { DeliveryStats } from "./stats.jsx";
import { appHref, go } from "../route.js";
import {
  ActionResult,
  ConfirmButton,
  EnabledBadge,
  ErrorNote,
  Fact,
  Field,
  Loading,
  Paged,
  isoOf,
  list,
  mapText,
  seconds,
  time,
  yesNo,
} from "../ui.jsx";

export const KNOWN_ENDPOINT_KEYS = new Set(
  "id uid url description disabled eventTypes filterTypes channels throttleRate rateLimit version metadata failurePolicy fallbackUrl createdAt updatedAt urls method contentType expectsReply retriesPerUrl timeoutMs totalTimeoutMs successStatus retrySchedule basicAuth".split(
    " ",
  ),
);

export function EndpointFacts({ e }) {
  const fp = e.failurePolicy || {};
  const other = Object.entries(e).filter(([k, v]) => !KNOWN_ENDPOINT_KEYS.has(k) && v !== null && v !== undefined);
  return (
    <dl class="facts">
      <Fact term="ID" mono>
        {e.id}
      </Fact>
      <Fact term="UID">{e.uid}</Fact>
      <Fact term="State">
        <EnabledBadge disabled={e.disabled} />
      </Fact>
      <Fact term="Description">{e.description}</Fact>
      <Fact term="URLs (failover)">{e.urls?.length ? e.urls.join(" → ") : undefined}</Fact>
      <Fact term="Event types">{list(e.filterTypes, "all")}</Fact>
      <Fact term="Channels">{list(e.channels, "all")}</Fact>
      <Fact term="Rate limit">{e.rateLimit ? `${e.rateLimit} per second` : "none"}</Fact>
      <Fact term="Retry schedule">{e.retrySchedule ? e.retrySchedule.map((s) => `${s} s`).join(", ") : "server default"}</Fact>
      <Fact term="Method">{e.method}</Fact>
      <Fact term="Content type">{e.contentType}</Fact>
      <Fact term="Timeout">{e.timeoutMs ? `${e.timeoutMs} ms` : "server default"}</Fact>
      <Fact term="Total timeout">{e.totalTimeoutMs ? `${e.totalTimeoutMs} ms` : undefined}</Fact>
      <Fact term="Retries per URL">{e.urls?.length ? e.retriesPerUrl : undefined}</Fact>
      <Fact term="Success status">{Array.isArray(e.successStatus) ? e.successStatus.join(", ") : (e.successStatus ?? "2xx")}</Fact>
      <Fact term="Expects a reply">{yesNo(e.expectsReply)}</Fact>
      <Fact term="Basic auth user">{e.basicAuth?.username}</Fact>
      <Fact term="Fallback URL">{e.fallbackUrl}</Fact>
      <Fact term="Disable after exhausted">{fp.disableAfterExhausted ?? undefined}</Fact>
      <Fact term="Disable after failing">{seconds(fp.disableAfterFailingSeconds)}</Fact>
      <Fact term="Disable on 410 Gone">{yesNo(fp.disableOnGone)}</Fact>
      <Fact term="Auto-recover after">{seconds(fp.autoRecoverSeconds)}</Fact>
      <Fact term="Version">{e.version}</Fact>
      <Fact term="Metadata">{mapText(e.metadata)}</Fact>
      {other.map(([k, v]) => (
        <Fact key={k} term={k} mono>
          {typeof v === "object" ? JSON.stringify(v) : String(v)}
        </Fact>
      ))}
      <Fact term="Created">{time(e.createdAt)}</Fact>
      <Fact term="Updated">{time(e.updatedAt)}</Fact>
    </dl>
  );
}

// --- editing ---------------------------------------------------------------------------------

// The fields the edit form has inputs for; the rest of the editable options go in its JSON box.
// Left out of both: what the server sets (id, times), aliases it answers with (eventTypes,
// throttleRate) and `disabled`, which has its own button.
const TYPED_KEYS = ["url", "description", "filterTypes", "channels", "rateLimit", "uid"];
const NOT_EDITABLE = new Set(["id", "createdAt", "updatedAt", "disabled", "eventTypes", "throttleRate", ...TYPED_KEYS]);

// Whether an option is set: not null, not an empty list, not an object of nothing set.
const isSet = (v) =>
  v !== null &&
  v !== undefined &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === "object" && !Array.isArray(v) && !Object.values(v).some(isSet));
// `v` without the unset members of its objects (failurePolicy lists every rule, set or not).
const setPart = (v) =>
  v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => isSet(x))) : v;

// Every editable option `e` has set, other than those with their own input.
export function advancedOptions(e) {
  return Object.fromEntries(
    Object.entries(e)
      .filter(([k, v]) => !NOT_EDITABLE.has(k) && isSet(v))
      .map(([k, v]) => [k, setPart(v)]),
  );
}

// JSON text with object keys sorted, to compare values whatever their key order.
const canonical = (v) =>
  JSON.stringify(v, (_, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
const same = (a, b) => canonical(a ?? null) === canonical(b ?? null);
const listOf = (text) => {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
};

// The PATCH body that turns `e` into what the form says: the changed fields only, so options the
// API does not show back (the basic-auth password) stay as they are. An option taken out of the
// JSON is sent as null, which resets it (metadata: as {}). Throws on JSON that is not an object.
export function endpointPatch(e, form) {
  let advanced;
  try {
    advanced = JSON.parse(form.advanced.trim() || "{}");
  } catch (err) {
    throw new Error(`Advanced options are not valid JSON: ${err.message}`);
  }
  if (!advanced || typeof advanced !== "object" || Array.isArray(advanced))
    throw new Error("Advanced options must be a JSON object of option names to values.");
  const typed = {
    url: form.url.trim(),
    description: form.description,
    filterTypes: listOf(form.filterTypes),
    channels: listOf(form.channels),
    rateLimit: form.rateLimit.trim() === "" ? null : Number(form.rateLimit),
    uid: form.uid.trim() || null,
  };
  const before = { ...e, filterTypes: e.filterTypes?.length ? e.filterTypes : null, channels: e.channels?.length ? e.channels : null };
  const patch = {};
  for (const [k, v] of Object.entries(typed)) if (!same(v, before[k] ?? (k === "description" ? "" : null))) patch[k] = v;
  const prefilled = advancedOptions(e);
  for (const k of TYPED_KEYS) if (k in advanced) throw new Error(`Set ${k} in its own field above, not in the advanced options.`);
  for (const [k, v] of Object.entries(advanced)) if (!same(v, prefilled[k])) patch[k] = v;
  for (const k of Object.keys(prefilled)) if (!(k in advanced)) patch[k] = k === "metadata" ? {} : null;
  return patch;
}

const formOf = (e) => ({
  url: e.url || "",
  description: e.description || "",
  filterTypes: (e.filterTypes || []).join(", "),
  channels: (e.channels || []).join(", "),
  rateLimit: e.rateLimit ? String(e.rateLimit) : "",
  uid: e.uid || "",
  advanced: JSON.stringify(advancedOptions(e), null, 2),
});

// The edit form: the common fields as inputs, every other option as JSON; one PATCH of what
// changed. `onSaved(endpoint)` after a save, `onCancel` to close (Escape does too).
export function EditEndpoint({ e, base, onSaved, onCancel }) {
  const [form, setForm] = useState(() => formOf(e));
  const [note, setNote] = useState("");
  const save = useAction();
  const first = useRef(null);
  useEffect(() => first.current?.focus(), []);
  const set = (k) => (ev) => setForm({ ...form, [k]: ev.currentTarget.value });
  return (
    <form
      class="edit"
      aria-labelledby="edit-endpoint"
      onKeyDown={(ev) => ev.key === "Escape" && (ev.preventDefault(), onCancel())}
      onSubmit={(ev) => {
        ev.preventDefault();
        setNote("");
        save.run(async () => {
          const patch = endpointPatch(e, form);
          if (Object.keys(patch).length === 0) return setNote("Nothing changed.");
          onSaved(await api("PATCH", base, patch));
        });
      }}
    >
      <h3 id="edit-endpoint">Edit endpoint</h3>
      <div class="grid">
        <Field label="Endpoint URL">
          <input type="url" name="url" required ref={first} value={form.url} onInput={set("url")} />
        </Field>
        <Field label="Endpoint description">
          <input name="description" value={form.description} onInput={set("description")} />
        </Field>
        <Field label="Event types filter" hint="Comma separated; empty: every event type.">
          <input name="filterTypes" value={form.filterTypes} onInput={set("filterTypes")} />
        </Field>
        <Field label="Channels" hint="Comma separated; empty: every channel.">
          <input name="channels" value={form.channels} onInput={set("channels")} />
        </Field>
        <Field label="Rate limit (per second)" hint="Empty: no limit.">
          <input type="number" name="rateLimit" min="1" step="1" inputMode="numeric" value={form.rateLimit} onInput={set("rateLimit")} />
        </Field>
        <Field label="Endpoint UID" hint="Empty: none.">
          <input name="uid" value={form.uid} pattern="[a-zA-Z0-9\-_.]+" onInput={set("uid")} />
        </Field>
      </div>
      <label class="field">
        <span>Advanced options (JSON)</span>
        <textarea
          name="advanced"
          class="mono"
          aria-describedby="advanced-hint"
          rows={Math.min(20, Math.max(4, form.advanced.split("\n").length + 1))}
          spellcheck={false}
          value={form.advanced}
          onInput={set("advanced")}
        />
      </label>
      <p id="advanced-hint" class="muted small">
        Every other option set now: timeoutMs, retrySchedule, failurePolicy, urls, method, successStatus, metadata… Add one to set it,
        remove one to reset it. basicAuth shows only its username: give its password too when you change it.
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          Save changes
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ActionResult note={note} error={save.error} />
    </form>
  );
}

// The signing secret: shown only after a confirmation; rotated after another.
export function SecretSection({ base, can }) {
  const [secret, setSecret] = useState(null);
  const [note, setNote] = useState("");
  const act = useAction();
  if (!can("ViewEndpointSecret")) return null;
  return (
    <section aria-labelledby="endpoint-secret">
      <h2 id="endpoint-secret">Signing secret</h2>
      {secret ? (
        <p>
          <code class="secret" aria-label="Current signing secret">
            {secret}
          </code>{" "}
          <button type="button" onClick={() => setSecret(null)}>
            Hide secret
          </button>
        </p>
      ) : (
        <p class="muted">Hidden. Anyone who has it can sign requests your receivers accept.</p>
      )}
      <div class="actions">
        {!secret && (
          <ConfirmButton
            label="Reveal secret"
            question="Show the signing secret on screen?"
            confirmLabel="Confirm reveal secret"
            disabled={act.busy}
            onConfirm={() => act.run(async () => setSecret((await api("GET", `${base}/secret`)).key))}
          />
        )}
        {can("ManageEndpointSecret") && (
          <ConfirmButton
            label="Rotate secret"
            question="Make a new secret? The old one stays valid for the grace period."
            confirmLabel="Confirm rotate secret"
            disabled={act.busy}
            onConfirm={() =>
              act.run(async () => {
                await api("POST", `${base}/secret/rotate`, {});
                setNote("Secret rotated; the previous one stays valid for the grace period.");
                if (secret) setSecret((await api("GET", `${base}/secret`)).key);
              })
            }
          />
        )}
      </div>
      <ActionResult note={note} error={act.error} />
    </section>
  );
}

// Custom headers sent with each delivery; credential headers are write-only (names only).
export function HeadersSection({ base, can }) {
  const headers = useLoad(() => api("GET", `${base}/headers`), [base]);
  const act = useAction();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const manage = can("ManageEndpoint");
  return (
    <section aria-labelledby="endpoint-headers">
      <h2 id="endpoint-headers">Custom headers</h2>
      <Loading state={headers}>
        {(h) => {
          const rows = [
            ...Object.entries(h.headers || {}).map(([k, v]) => [k, v, false]),
            ...(h.sensitive || []).map((k) => [k, null, true]),
          ];
          return rows.length === 0 ? (
            <p class="muted">No custom headers.</p>
          ) : (
            <table class="headers">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                  {manage && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {rows.map(([k, v, sensitive]) => (
                  <tr key={k}>
                    <td class="mono">{k}</td>
                    <td class="mono">{sensitive ? <span class="muted">(write-only credential)</span> : v}</td>
                    {manage && (
                      <td>
                        <button
                          type="button"
                          aria-label={`Remove header ${k}`}
                          disabled={act.busy}
                          onClick={() =>
                            act.run(async () => {
                              await api("PATCH", `${base}/headers`, { headers: {}, deleteHeaders: [k] });
                              headers.reload();
                            })
                          }
                        >
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Loading>
      {manage && (
        <form
          class="inline"
          aria-label="Set a header"
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api("PATCH", `${base}/headers`, { headers: { [name.trim()]: value } });
              setName("");
              setValue("");
              headers.reload();
            });
          }}
        >
          <Field label="Header name">
            <input name="headerName" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Header value">
            <input name="headerValue" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={act.busy}>
            Save header
          </button>
        </form>
      )}
      <ErrorNote error={act.error} />
    </section>
  );
}

// A background task's state, read again every second while it runs.
export function TaskProgress({ task }) {
  const [t, setT] = useState(task);
  const [error, setError] = useState(null);
  useEffect(() => {
    setT(task);
    if (task.status !== "running") return undefined;
    let stop = false;
    let timer;
    const poll = async () => {
      try {
        const next = await api("GET", `/background-task/${enc(task.id)}`);
        if (stop) return;
        setT(next);
        if (next.status === "running") timer = setTimeout(poll, 1000);
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    timer = setTimeout(poll, 500);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [task.id]);
  return (
    <div class="task">
      <p role="status">
        Task <span class="mono">{t.id}</span> ({t.task}): <strong>{t.status}</strong>, {t.data?.messagesSent ?? 0} messages sent
        {t.updatedAt && <span class="muted"> · updated {time(t.updatedAt)}</span>}
      </p>
      <ErrorNote error={error} />
    </div>
  );
}

// Recover (failed deliveries) and replay missing (never sent) since a time, as background tasks.
export function RecoverSection({ base }) {
  const [since, setSince] = useState(() => {
    const d = new Date(Date.now() - 3600_000);
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  });
  const [until, setUntil] = useState("");
  const [task, setTask] = useState(null);
  const act = useAction();
  const start = (what) =>
    act.run(async () => {
      const body = { since: isoOf(since), ...(until ? { until: isoOf(until) } : {}) };
      setTask(await api("POST", `${base}/${what}`, body));
    });
  return (
    <section aria-labelledby="endpoint-recover">
      <h2 id="endpoint-recover">Recover and replay</h2>
      <p class="muted">Recover sends again the messages whose delivery failed; replay missing sends those never sent to this endpoint.</p>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <Field label="Since">
          <input type="datetime-local" name="since" required value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </Field>
        <Field label="Until (optional)">
          <input type="datetime-local" name="until" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </Field>
        <button type="button" disabled={act.busy || !since} onClick={() => start("recover")}>
          Recover failed messages
        </button>
        <button type="button" disabled={act.busy || !since} onClick={() => start("replay-missing")}>
          Replay missing messages
        </button>
      </form>
      <ErrorNote error={act.error} />
      {task && <TaskProgress task={task} />}
    </section>
  );
}

export function Endpoint({ appId, epId, can }) {
  const base = `/app/${enc(appId)}/endpoint/${enc(epId)}`;
  const ep = useLoad(() => api("GET", base), [base]);
  const attempts = usePaged(() => `/app/${enc(appId)}/attempt/endpoint/${enc(epId)}?limit=50`, [base]);
  const act = useAction();
  const [note, setNote] = useState("");
  const [editing, setEditing] = useState(false);
  const editButton = useRef(null);
  const closeEdit = () => {
    setEditing(false);
    setTimeout(() => editButton.current?.focus());
  };
  const reloadAll = () => {
    ep.reload();
    attempts.reload();
  };
  return (
    <>
      <AppHeader appId={appId} current="endpoints" />
      <Loading state={ep}>
        {(e) => (
          <section aria-labelledby="endpoint">
            <h2 id="endpoint" class="url">
              {e.url}
            </h2>
            <EndpointFacts e={e} />
            <div class="actions">
              {can("ManageEndpoint") && (
                <button
                  type="button"
                  ref={editButton}
                  aria-expanded={editing}
                  aria-controls={editing ? "edit-endpoint-form" : undefined}
                  onClick={() => (editing ? closeEdit() : (setNote(""), setEditing(true)))}
                >
                  Edit endpoint
                </button>
              )}
              {can("ManageEndpoint") && (
                <button
                  type="button"
                  disabled={act.busy}
                  onClick={() =>
                    act.run(async () => {
                      await api("PATCH", base, { disabled: !e.disabled });
                      setNote(e.disabled ? "Endpoint enabled." : "Endpoint disabled.");
                      ep.reload();
                    })
                  }
                >
                  {e.disabled ? "Enable endpoint" : "Disable endpoint"}
                </button>
              )}
              {can("CreateAttempts") && (
                <button
                  type="button"
                  disabled={act.busy}
                  onClick={() =>
                    act.run(async () => {
                      const msg = await api("POST", `${base}/send-example`, { eventType: "svix.ping" });
                      setNote(`Test event ${msg.id} sent.`);
                      attempts.reload();
                    })
                  }
                >
                  Send test event
                </button>
              )}
              <button type="button" onClick={reloadAll}>
                Refresh
              </button>
              {can("ManageEndpoint") && (
                <ConfirmButton
                  label="Delete endpoint"
                  question="Delete this endpoint? Its pending deliveries are dropped."
                  confirmLabel="Confirm delete endpoint"
                  danger
                  disabled={act.busy}
                  onConfirm={() =>
                    act.run(async () => {
                      await api("DELETE", base);
                      go(appHref(appId, "/endpoints"));
                    })
                  }
                />
              )}
            </div>
            <ActionResult note={note} error={act.error} />
            {editing && (
              <div id="edit-endpoint-form">
                <EditEndpoint
                  e={e}
                  base={base}
                  onCancel={closeEdit}
                  onSaved={() => {
                    setNote("Endpoint saved.");
                    closeEdit();
                    ep.reload();
                  }}
                />
              </div>
            )}
          </section>
        )}
      </Loading>
      {ep.data && (
        <>
          <SecretSection base={base} can={can} />
          <HeadersSection base={base} can={can} />
          {can("CreateAttempts") && <RecoverSection base={base} />}
        </>
      )}
      {ep.data && <DeliveryStats appId={appId} endpointId={epId} />}
      <section aria-labelledby="endpoint-attempts">
        <h2 id="endpoint-attempts">Recent attempts</h2>
        <Paged state={attempts} label="attempts">
          {(items) => <AttemptsTable appId={appId} attempts={items} showMessage can={can} onResent={attempts.reload} />}
        </Paged>
      </section>
    </>
  );
}
