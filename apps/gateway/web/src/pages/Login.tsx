import { useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router";
import { homeOf, useAuth } from "../auth";
import { Field, ProblemAlert } from "../ui";

export function Login() {
  const { user, login } = useAuth();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (user) return <Navigate to={homeOf(user.role)} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const c = await login(username.trim(), password);
      navigate(homeOf(c.role), { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow card">
      <h1>Log in to Registrar</h1>
      <p className="muted">Students register for modules; lecturers see their sections; registry staff run the registration period.</p>
      <ProblemAlert error={error} title="Could not log in" />
      <form onSubmit={submit} noValidate>
        <Field label="Username" name="username" error={error}>
          {(a) => <input {...a} autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />}
        </Field>
        <Field label="Password" name="password" error={error}>
          {(a) => (
            <input {...a} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy || !username || !password}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </section>
  );
}
