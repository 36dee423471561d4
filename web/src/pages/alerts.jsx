// An app's alerts.
import { enc } from "../api.js";
import { usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { appHref } from "../route.js";
import { PagedTable, time } from "../ui.jsx";

export function Alerts({ appId }) {
  const alerts = usePaged(() => `/app/${enc(appId)}/alert?limit=50`, [appId]);
  return (
    <>
      <AppHeader appId={appId} current="alerts" />
      <section aria-labelledby="list-alerts">
        <h2 id="list-alerts">Alerts</h2>
        <button type="button" onClick={alerts.reload}>
          Refresh
        </button>
        <PagedTable
          state={alerts}
          label="alerts"
          class="alerts"
          empty="No alerts."
          columns={["Created", "Event", "Endpoint", "To", "Status", "Attempts", "Sent"]}
          row={(a) => (
            <tr key={a.id}>
              <td>{time(a.createdAt)}</td>
              <td>
                {a.eventType}
                {a.digest && <span class="muted"> (digest of {a.events})</span>}
              </td>
              <td class="mono">{a.endpointId && <a href={appHref(appId, `/endpoint/${enc(a.endpointId)}`)}>{a.endpointId}</a>}</td>
              <td>
                {a.channel}: {a.recipient}
              </td>
              <td>
                {a.status}
                {a.error && <p class="error-text">{a.error}</p>}
                {a.nextAttempt && <span class="muted"> · next {time(a.nextAttempt)}</span>}
              </td>
              <td>{a.attempts}</td>
              <td>{time(a.sentAt)}</td>
            </tr>
          )}
        />
      </section>
    </>
  );
}
