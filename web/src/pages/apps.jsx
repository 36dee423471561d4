// Apps (admin): list, search, create; and the header and tabs of one app's pages.
import { useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, useLoad, usePaged } from "../hooks.js";
import { appHref, go } from "../route.js";
import { ErrorNote, Field, Paged, Table, Title, time } from "../ui.jsx";

export function Apps() {
  const [search, setSearch] = useState("");
  const apps = usePaged(() => "/app?limit=250&order=descending", []);
  const create = useAction();
  const [name, setName] = useState("");
  const [uid, setUid] = useState("");
  const q = search.trim().toLowerCase();
  return (
    <>
      <Title>Apps</Title>
      <section aria-labelledby="create-app">
        <h2 id="create-app">Create an app</h2>
        <form
          class="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            const app = await create.run(() => api("POST", "/app", { name, ...(uid ? { uid } : {}) }));
            if (app) go(appHref(app.id));
          }}
        >
          <Field label="Name">
            <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="UID (optional)">
            <input name="uid" value={uid} pattern="[a-zA-Z0-9\-_.]+" onInput={(e) => setUid(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="primary" disabled={create.busy}>
            Create app
          </button>
        </form>
        <ErrorNote error={create.error} />
      </section>
      <section aria-labelledby="list-apps">
        <h2 id="list-apps">All apps</h2>
        <Field label="Search by name, uid or id">
          <input type="search" name="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </Field>
        <Paged state={apps} label="apps">
          {(items) => {
            const shown = items.filter((a) => !q || [a.name, a.uid, a.id].some((v) => v && v.toLowerCase().includes(q)));
            return (
              <Table
                items={shown}
                empty={`No apps${q ? " match" : " yet"}.`}
                columns={["Name", "UID", "ID", "Created"]}
                row={(a) => (
                  <tr key={a.id}>
                    <td>
                      <a href={appHref(a.id)}>{a.name}</a>
                    </td>
                    <td>{a.uid}</td>
                    <td class="mono">{a.id}</td>
                    <td>{time(a.createdAt)}</td>
                  </tr>
                )}
              />
            );
          }}
        </Paged>
      </section>
    </>
  );
}

export function AppNav({ app, current }) {
  const links = [
    ["endpoints", "Endpoints"],
    ["messages", "Messages"],
    ["batches", "Batches"],
    ["alerts", "Alerts"],
    ["stats", "Statistics"],
  ];
  return (
    <nav class="tabs" aria-label="App">
      {links.map(([key, label]) => (
        <a key={key} href={appHref(app, `/${key}`)} aria-current={current === key ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

export function AppHeader({ appId, current }) {
  const app = useLoad(() => api("GET", `/app/${enc(appId)}`), [appId]);
  return (
    <>
      <Title>{app.data ? app.data.name : appId}</Title>
      <ErrorNote error={app.error} />
      {app.data && <p class="muted mono">{app.data.id}</p>}
      {appId === "app_operational" ? (
        <p>
          <a href="#/operational">All operational webhooks and events</a>
        </p>
      ) : (
        <AppNav app={appId} current={current} />
      )}
    </>
  );
}
