// One endpoint: every option, secret, headers, recover and replay, enable/disable, test event, delete.
import { useEffect, useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, useLoad, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { AttemptsTable } from "./attempts.jsx";
import { DeliveryStats } from "./stats.jsx";
import { appHref, go } from "../route.js";
import { ActionResult, ConfirmButton, ErrorNote, Fact, Field, Loading, Paged, isoOf, list, mapText, seconds, time, yesNo } from "../ui.jsx";

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
        {e.disabled ? <span class="badge badge-failed">disabled</span> : <span class="badge badge-succeeded">enabled</span>}
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
