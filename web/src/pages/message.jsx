// One message: payload, destinations, attempts, resend and kill.
import { useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, useLoad, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { AttemptsTable, ResendButton } from "./attempts.jsx";
import { appHref } from "../route.js";
import { ActionResult, ConfirmButton, ErrorNote, Fact, Loading, Paged, Status, Table, list, time } from "../ui.jsx";

export function Destinations({ appId, msgId, state, can, onResent }) {
  const resend = useAction();
  return (
    <Paged state={state} label="destinations">
      {(items) => (
        <>
          <ErrorNote error={resend.error} />
          <Table
            class="destinations"
            items={items}
            empty="No destinations: no endpoint subscribes to this message."
            columns={["Endpoint", "Status", "Next attempt", can("CreateAttempts") && "Action"]}
            row={(d) => (
              <tr key={d.id}>
                <td class="url">
                  <a href={appHref(appId, `/endpoint/${enc(d.id)}`)}>{d.url}</a>
                  {d.disabled && <span class="badge badge-failed">disabled</span>}
                </td>
                <td>
                  <Status code={d.status} />
                </td>
                <td>{d.nextAttempt ? time(d.nextAttempt) : "—"}</td>
                {can("CreateAttempts") && (
                  <td>
                    <ResendButton
                      action={resend}
                      appId={appId}
                      msgId={msgId}
                      endpointId={d.id}
                      label={`Resend to ${d.url}`}
                      onResent={onResent}
                    />
                  </td>
                )}
              </tr>
            )}
          />
        </>
      )}
    </Paged>
  );
}

export function Message({ appId, msgId, can }) {
  const base = `/app/${enc(appId)}`;
  const msg = useLoad(() => api("GET", `${base}/msg/${enc(msgId)}`), [appId, msgId]);
  const dests = usePaged(() => `${base}/msg/${enc(msgId)}/endpoint?limit=50`, [appId, msgId]);
  const attempts = usePaged(() => `${base}/attempt/msg/${enc(msgId)}?limit=50`, [appId, msgId]);
  const act = useAction();
  const [note, setNote] = useState("");
  const reload = () => {
    dests.reload();
    attempts.reload();
  };
  return (
    <>
      <AppHeader appId={appId} current="messages" />
      <Loading state={msg}>
        {(m) => (
          <section aria-labelledby="message">
            <h2 id="message" class="mono">
              {m.id}
            </h2>
            <dl class="facts">
              <Fact term="Event type">{m.eventType}</Fact>
              <Fact term="Event ID">{m.eventId}</Fact>
              <Fact term="Channels">{list(m.channels)}</Fact>
              <Fact term="Tags">{list(m.tags)}</Fact>
              <Fact term="Batch" mono>
                {m.batchId}
              </Fact>
              <Fact term="Content type">{m.contentType}</Fact>
              <Fact term="Time">{time(m.timestamp)}</Fact>
            </dl>
            <h3>Payload</h3>
            <pre class="body payload">{typeof m.payload === "string" ? m.payload : JSON.stringify(m.payload, null, 2)}</pre>
            <div class="actions">
              <button type="button" onClick={reload}>
                Refresh
              </button>
              {can("ManageMessages") && (
                <ConfirmButton
                  label="Kill pending deliveries"
                  question="Stop every delivery of this message that has not finished?"
                  confirmLabel="Confirm kill pending deliveries"
                  danger
                  disabled={act.busy}
                  onConfirm={() =>
                    act.run(async () => {
                      const r = await api("POST", `${base}/msg/${enc(msgId)}/kill`, {});
                      const n = (v) => (Array.isArray(v) ? v.length : Number(v) || 0);
                      setNote(`Killed ${n(r.killed)} pending deliveries; ${n(r.notKilled)} could not be killed.`);
                      reload();
                    })
                  }
                />
              )}
            </div>
            <ActionResult note={note} error={act.error} />
          </section>
        )}
      </Loading>
      <section aria-labelledby="message-destinations">
        <h2 id="message-destinations">Destinations</h2>
        <Destinations appId={appId} msgId={msgId} state={dests} can={can} onResent={reload} />
      </section>
      <section aria-labelledby="message-attempts">
        <h2 id="message-attempts">Attempts</h2>
        <Paged state={attempts} label="attempts">
          {(items) => <AttemptsTable appId={appId} attempts={items} showEndpoint can={can} onResent={reload} />}
        </Paged>
      </section>
    </>
  );
}

// Alerts sent (or being sent, or given up) to people about the app's endpoints.
