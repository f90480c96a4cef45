// auth.tsx: who is signed in. Tokens live in sessionStorage (gone when the tab closes);
// the role and student id are read from the access token the gateway issued.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api, claims, currentTokens, onTokens, setTokens, type Claims, type Tokens } from "./api";

interface Auth {
  user: Claims | null;
  login(username: string, password: string): Promise<Claims>;
  logout(): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Claims | null>(() => claims(currentTokens()));
  useEffect(() => onTokens(() => setUser(claims(currentTokens()))), []);
  const value: Auth = {
    user,
    async login(username, password) {
      const t = await api<Tokens>("POST", "/api/v1/auth/login", { body: { username, password } });
      setTokens(t);
      const c = claims(t);
      if (!c) throw new Error("the server sent a token the portal cannot read");
      return c;
    },
    logout() {
      setTokens(null);
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error("useAuth outside AuthProvider");
  return a;
}

/** homeOf is the first page of a role. */
export function homeOf(role: Claims["role"] | undefined): string {
  switch (role) {
    case "student":
      return "/student/modules";
    case "lecturer":
      return "/lecturer";
    case "registry":
    case "admin":
      return "/staff/dashboard";
    default:
      return "/login";
  }
}
