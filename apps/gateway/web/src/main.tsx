import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { AuthProvider, homeOf, useAuth } from "./auth";
import { Layout } from "./ui";
import { Login } from "./pages/Login";
import { Modules } from "./pages/Modules";
import { Timetable } from "./pages/Timetable";
import { Registrations } from "./pages/Registrations";
import { AdmissionPage } from "./pages/Admission";
import { Lecturer } from "./pages/Lecturer";
import { Dashboard } from "./pages/Dashboard";
import { Catalogue } from "./pages/Catalogue";
import { SectionsAdmin } from "./pages/SectionsAdmin";
import { Students } from "./pages/Students";
import "./styles.css";

function Only({ roles, children }: { roles: string[]; children: ReactNode }) {
  const { user } = useAuth();
  if (!user) return <Navigate to="/login" replace />;
  if (!roles.includes(user.role)) return <Navigate to={homeOf(user.role)} replace />;
  return <>{children}</>;
}

function Home() {
  const { user } = useAuth();
  return <Navigate to={homeOf(user?.role)} replace />;
}

const staff = ["registry", "admin"];

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthProvider>
      <BrowserRouter>
        <Layout>
          <Routes>
            <Route path="/login" element={<Login />} />
            <Route path="/student/modules" element={<Only roles={["student"]}><Modules /></Only>} />
            <Route path="/student/timetable" element={<Only roles={["student"]}><Timetable /></Only>} />
            <Route path="/student/registrations" element={<Only roles={["student"]}><Registrations /></Only>} />
            <Route path="/student/admission" element={<Only roles={["student"]}><AdmissionPage /></Only>} />
            <Route path="/lecturer" element={<Only roles={["lecturer"]}><Lecturer /></Only>} />
            <Route path="/staff/dashboard" element={<Only roles={staff}><Dashboard /></Only>} />
            <Route path="/staff/catalogue" element={<Only roles={staff}><Catalogue /></Only>} />
            <Route path="/staff/sections" element={<Only roles={staff}><SectionsAdmin /></Only>} />
            <Route path="/staff/students" element={<Only roles={staff}><Students /></Only>} />
            <Route path="*" element={<Home />} />
          </Routes>
        </Layout>
      </BrowserRouter>
    </AuthProvider>
  </StrictMode>,
);
