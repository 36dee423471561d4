// The login form: an API token (admin, app or portal).
import { useState } from "preact/hooks";
import { ErrorNote, Field, Title } from "../ui.jsx";

export function Login({ onLogin, error }) {
  const [value, setValue] = useState("");
  return (
    <main class="login">
      <Title>Log in to hookd</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onLogin(value.trim());
        }}
      >
        <Field label="API token" hint="An admin token sees every app; an app token its own app.">
          <input type="password" name="token" autocomplete="off" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Log in
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}
