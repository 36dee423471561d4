// A table of attempts with their responses and a resend button each.
import { api, enc } from "../api.js";
import { useState } from "preact/hooks";
import { useAction } from "../hooks.js";
import { appHref } from "../route.js";
import { ErrorNote, Status, Table, time } from "../ui.jsx";

export function AttemptsTable({ appId, attempts, showMessage, showEndpoint, can, onResent }) {
  const resend = useAction();
  return (
    <>
      <ErrorNote error={resend.error} />
      <Table
        class="attempts"
        items={attempts}
        empty="No attempts yet."
        columns={[
          "Time",
          showMessage && "Message",
          showEndpoint && "Endpoint",
          "Status",
          "Response code",
          "Duration",
          "Response",
          can("CreateAttempts") && "Action",
        ]}
        row={(a) => (
          <tr key={a.id}>
            <td>
              {time(a.timestamp)}
              {a.triggerType === 1 && <span class="muted"> (manual)</span>}
              <div class="muted mono small">{a.id}</div>
            </td>
            {showMessage && (
              <td class="mono">
                <a href={appHref(appId, `/msg/${enc(a.msgId)}`)}>{a.msgId}</a>
              </td>
            )}
            {showEndpoint && (
              <td class="url">
                <a href={appHref(appId, `/endpoint/${enc(a.endpointId)}`)}>{a.url}</a>
              </td>
            )}
            <td>
              <Status code={a.status} />
            </td>
            <td class="mono">{a.responseStatusCode || "—"}</td>
            <td class="mono">{a.responseDurationMs !== undefined && a.responseDurationMs !== null ? `${a.responseDurationMs} ms` : "—"}</td>
            <td>
              {a.error && (
                <p class="error-text">
                  {a.error}
                  {a.errorDetail && `: ${a.errorDetail}`}
                </p>
              )}
              <pre class="body">{a.response}</pre>
              <AttemptRequest appId={appId} a={a} />
              {a.reply !== null && a.reply !== undefined && (
                <details>
                  <summary>Reply</summary>
                  <pre class="body">{JSON.stringify(a.reply, null, 2)}</pre>
                </details>
              )}
              {a.replyError && <p class="muted">Reply not read: {a.replyError}</p>}
            </td>
            {can("CreateAttempts") && (
              <td>
                <ResendButton
                  action={resend}
                  appId={appId}
                  msgId={a.msgId}
                  endpointId={a.endpointId}
                  label={`Resend attempt ${a.id}`}
                  onResent={onResent}
                />
              </td>
            )}
          </tr>
        )}
      />
    </>
  );
}

// The attempt's request (rendered again by the server, credentials redacted), loaded when opened.
function AttemptRequest({ appId, a }) {
  const [req, setReq] = useState(null);
  const [error, setError] = useState(null);
  const load = (e) => {
    if (!e.currentTarget.open || req) return;
    api("GET", `/app/${enc(appId)}/msg/${enc(a.msgId)}/attempt/${enc(a.id)}/request`).then(setReq, setError);
  };
  return (
    <details onToggle={load}>
      <summary>Request</summary>
      <ErrorNote error={error} />
      {req && (
        <pre class="body">
          {`${req.method} ${req.url}\n${Object.entries(req.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join("\n")}\n\n${req.body}`}
        </pre>
      )}
    </details>
  );
}

// The endpoint JSON's fields this page shows by name; any other field is listed as JSON.

// Sends the message to the endpoint again (a manual attempt); `action` (useAction) shows its error.
export function ResendButton({ action, appId, msgId, endpointId, label, onResent }) {
  const resend = () => api("POST", `/app/${enc(appId)}/msg/${enc(msgId)}/endpoint/${enc(endpointId)}/resend`);
  return (
    <button
      type="button"
      aria-label={label}
      disabled={action.busy}
      onClick={async () => {
        await action.run(resend);
        onResent?.();
      }}
    >
      Resend
    </button>
  );
}
