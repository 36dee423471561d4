// An app's batches and one batch with its members.
import { api, enc } from "../api.js";
import { useLoad, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { appHref } from "../route.js";
import { Fact, Loading, PagedTable, time, yesNo } from "../ui.jsx";

export function Batches({ appId }) {
  const batches = usePaged(() => `/app/${enc(appId)}/batch?limit=50`, [appId]);
  return (
    <>
      <AppHeader appId={appId} current="batches" />
      <section aria-labelledby="list-batches">
        <h2 id="list-batches">Batches</h2>
        <PagedTable
          state={batches}
          label="batches"
          class="batches"
          empty="No batches."
          columns={["Batch", "Status", "Messages", "Succeeded", "Failed", "Pending", "Created"]}
          row={(b) => (
            <tr key={b.id}>
              <td class="mono">
                <a href={appHref(appId, `/batch/${enc(b.id)}`)}>{b.id}</a>
              </td>
              <td>{b.status}</td>
              <td>
                {b.messages}
                {b.expectedMessages !== null && ` of ${b.expectedMessages}`}
              </td>
              <td>{b.succeeded}</td>
              <td>{b.failed}</td>
              <td>{b.pending}</td>
              <td>{time(b.createdAt)}</td>
            </tr>
          )}
        />
      </section>
    </>
  );
}

export function Batch({ appId, batchId }) {
  const path = `/app/${enc(appId)}/batch/${enc(batchId)}`;
  const batch = useLoad(() => api("GET", path), [path]);
  const members = usePaged(
    () => `${path}?include_members=true&limit=50`,
    [path],
    (j) => j.members,
  );
  return (
    <>
      <AppHeader appId={appId} current="batches" />
      <Loading state={batch}>
        {(b) => (
          <section aria-labelledby="batch">
            <h2 id="batch" class="mono">
              {b.id}
            </h2>
            <dl class="facts">
              <Fact term="Status">{b.status}</Fact>
              <Fact term="Messages">{b.expectedMessages !== null ? `${b.messages} of ${b.expectedMessages}` : b.messages}</Fact>
              <Fact term="Succeeded">{b.succeeded}</Fact>
              <Fact term="Failed">{b.failed}</Fact>
              <Fact term="Killed">{b.killed}</Fact>
              <Fact term="Pending">{b.pending}</Fact>
              <Fact term="Callback">{yesNo(b.callback)}</Fact>
              <Fact term="Created">{time(b.createdAt)}</Fact>
              <Fact term="Closed">{time(b.closedAt)}</Fact>
              <Fact term="Completed">{time(b.completedAt)}</Fact>
            </dl>
          </section>
        )}
      </Loading>
      <section aria-labelledby="batch-members">
        <h2 id="batch-members">Members</h2>
        <PagedTable
          state={members}
          label="members"
          class="members"
          empty="No messages in this batch yet."
          columns={["Message", "Event type", "Event ID", "Status", "Completed"]}
          row={(m) => (
            <tr key={m.msgId}>
              <td class="mono">
                <a href={appHref(appId, `/msg/${enc(m.msgId)}`)}>{m.msgId}</a>
              </td>
              <td>{m.eventType}</td>
              <td>{m.eventId}</td>
              <td>{m.status}</td>
              <td>{time(m.completedAt)}</td>
            </tr>
          )}
        />
      </section>
    </>
  );
}

// Inbox sources (admin): where callbacks from providers arrive, and what each one received.
