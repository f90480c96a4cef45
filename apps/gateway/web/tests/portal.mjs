// portal.mjs: browser tests of the web portal, run by e2e/portal_test.go on the e2e stack.
// playwright-core drives Debian's chromium (/usr/bin/chromium) headless; no browser is
// downloaded. Everything the script needs (URLs, users, section ids) comes from the Go test
// as JSON in PORTAL_CONFIG. It prints one line per step and exits non-zero on the first
// failure (after a screenshot of the page at fault).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const cfg = JSON.parse(process.env.PORTAL_CONFIG ?? "{}");
const only = new Set((process.env.PORTAL_SCENARIOS ?? "").split(",").filter(Boolean));
const T = { step: 30_000, saga: 120_000 };
const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}`);

function expect(cond, what) {
  if (!cond) throw new Error("expectation failed: " + what);
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "registrar-portal-"));
fs.mkdirSync(cfg.screenshots, { recursive: true });
fs.mkdirSync(cfg.artifacts, { recursive: true });

const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: cfg.chromium ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
  baseURL: cfg.baseURL,
  acceptDownloads: true,
});

const pages = [];
/** open gives a user their own tab: tokens live in sessionStorage, which is per tab. */
async function open(name, viewport) {
  const page = await browser.newPage();
  if (viewport) await page.setViewportSize(viewport);
  page.setDefaultTimeout(T.step);
  page.on("pageerror", (err) => log(`  [${name}] page error: ${err.message}`));
  page.on("console", (m) => m.type() === "error" && log(`  [${name}] console: ${m.text()}`));
  pages.push({ name, page });
  return page;
}

async function shot(page, name) {
  const file = path.join(cfg.screenshots, name + ".png");
  await page.screenshot({ path: file, fullPage: true });
  log(`  screenshot ${path.relative(process.cwd(), file)}`);
}

/** login fills the form with the keyboard only, as someone without a mouse would. */
async function login(page, user) {
  await page.goto("/login");
  await page.getByLabel("Username").focus();
  await page.keyboard.type(user.username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(user.password);
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

async function planAndRegister(page, sectionIds, card) {
  await page.goto("/student/timetable");
  await page.getByLabel("Semester").selectOption(cfg.semester);
  for (const id of sectionIds) {
    await page.locator(`li[data-section="${id}"] input[type=checkbox]`).check();
  }
  await page.getByLabel("Payment").selectOption(card ?? "");
  await page.getByRole("button", { name: /^Register for/ }).click();
}

function registration(page, sectionOrModule) {
  return page.locator(`li.reg[data-module="${sectionOrModule}"]`).first();
}

async function waitStatus(loc, status, timeout = T.saga) {
  await loc.and(loc.page().locator(`[data-status="${status}"]`)).waitFor({ timeout });
}

const scenarios = {
  // A student logs in, sees a clash before registering, registers, watches the
  // registration become confirmed live and downloads the admission form.
  async happy() {
    const u = cfg.users.happy;
    const page = await open("student");
    await page.goto("/login");
    await shot(page, "login");
    await login(page, u);
    log("  logged in (keyboard only)");
    await page.getByRole("heading", { name: /Modules of/ }).waitFor();
    await page.locator("tr[data-module]").first().waitFor();
    await shot(page, "modules");

    await page.goto("/student/timetable");
    await page.getByLabel("Semester").selectOption(cfg.semester);
    await page.locator(`li[data-section="${cfg.sections.happy}"] input`).check();
    await page.locator(`li[data-section="${cfg.sections.clash}"] input`).check();
    const clashes = page.getByTestId("clashes");
    await clashes.waitFor();
    expect((await page.locator('.block[data-clash="true"]').count()) >= 2, "the clashing sections are marked in the week view");
    log("  the timetable shows the clash before registering: " + (await clashes.locator("li").first().textContent()));
    await shot(page, "timetable-clash");
    await page.locator(`li[data-section="${cfg.sections.clash}"] input`).uncheck();
    await clashes.waitFor({ state: "detached" });
    await page.getByLabel("Payment").selectOption("");
    await page.getByRole("button", { name: /^Register for/ }).click();
    const answer = page.getByTestId("register-answer");
    await answer.waitFor();
    expect(/seat held/i.test(await answer.textContent()), "the answer says the seat is held");
    log("  registered: " + (await answer.locator("li").first().textContent()));

    await page.getByRole("link", { name: /Follow the status live/ }).click();
    await page.locator('[data-stream="live"]').waitFor({ timeout: T.step });
    log("  the live stream is open");
    const reg = registration(page, cfg.modules.happy);
    await waitStatus(reg, "PENDING_PAYMENT", T.step);
    await reg.getByLabel("Test card").selectOption("pm_card_visa");
    await reg.getByRole("button", { name: /^Pay/ }).click();
    // No reload from here on: the page changes only because the stream says so.
    await waitStatus(reg, "CONFIRMED");
    await page.getByTestId("activity").getByText(/confirmed/i).first().waitFor();
    log("  confirmed, seen live: " + (await page.getByTestId("activity").locator("li").first().textContent()));
    await shot(page, "registrations-confirmed");

    await page.goto("/student/admission");
    const link = page.getByTestId("admission-form");
    const deadline = Date.now() + T.saga;
    while (!(await link.isVisible())) {
      expect(Date.now() < deadline, "the admission form appears");
      await page.waitForTimeout(2000);
      const again = page.getByRole("button", { name: "Check again" });
      if (await again.isVisible()) await again.click();
    }
    await shot(page, "admission");
    const href = await link.getAttribute("href");
    const res = await page.request.get(href);
    expect(res.ok(), `the admission form downloads (${res.status()})`);
    const pdf = await res.body();
    expect(pdf.subarray(0, 5).toString() === "%PDF-", "the admission form is a PDF");
    fs.writeFileSync(path.join(cfg.artifacts, "admission-form.pdf"), pdf);
    log(`  admission form downloaded: ${pdf.length} bytes of PDF`);
  },

  // The happy section's lecturer sees it, with the student who just registered.
  async lecturer() {
    const page = await open("lecturer");
    await login(page, cfg.users.lecturer);
    const card = page.locator(`li[data-section="${cfg.sections.happy}"]`);
    await card.waitFor();
    await card.getByRole("button", { name: "Show roster" }).click();
    await card.locator("tbody tr").filter({ hasText: cfg.users.happy.id }).waitFor();
    log("  the lecturer sees the student on the roster");
    await shot(page, "lecturer-roster");
  },

  // A declined card shows the failure; the seat goes to the waitlisted student, who
  // accepts the offer (on a phone-sized screen) before its deadline.
  async declined() {
    const b = await open("declined");
    const c = await open("waiting", { width: 390, height: 844 });
    await login(b, cfg.users.declined);
    await login(c, cfg.users.waiting);
    await planAndRegister(b, [cfg.sections.scarce], "");
    await b.getByTestId("register-answer").getByText(/seat held/i).waitFor();
    log("  the first student holds the only seat");
    await planAndRegister(c, [cfg.sections.scarce], "");
    const ans = c.getByTestId("register-answer");
    await ans.waitFor();
    const text = await ans.textContent();
    expect(/waitlisted/i.test(text) && /position 1/.test(text), "the second student is waitlisted at position 1: " + text);
    log("  the second student is waitlisted, position 1");

    await c.goto("/student/registrations");
    await b.goto("/student/registrations");
    const regB = registration(b, cfg.modules.scarce);
    await waitStatus(regB, "PENDING_PAYMENT", T.step);
    await regB.getByLabel("Test card").selectOption("pm_card_chargeDeclined");
    await regB.getByRole("button", { name: /^Pay/ }).click();
    await waitStatus(regB, "FAILED");
    const reason = await regB.getByTestId("reason").textContent();
    expect(/declin/i.test(reason), "the failure says the card was declined: " + reason);
    log("  the declined card shows: " + reason);
    await shot(b, "registration-declined");

    const regC = registration(c, cfg.modules.scarce);
    await waitStatus(regC, "OFFERED", 60_000);
    log("  the seat is offered to the waitlisted student");
    await shot(c, "waitlist-offer-phone");
    await regC.getByLabel("Test card").selectOption("pm_card_visa");
    await regC.getByRole("button", { name: /Accept offer/ }).click();
    await waitStatus(regC, "CONFIRMED");
    log("  the offer was accepted and confirmed");
  },

  // A student without the prerequisite sees it missing, and registration names the reason.
  async prerequisite() {
    const page = await open("prerequisite");
    await login(page, cfg.users.prereq);
    const row = page.locator(`tr[data-module="${cfg.modules.prereq}"]`);
    await row.waitFor();
    expect((await row.locator("[data-prereq]").getAttribute("data-prereq")) === "missing", "the module's prerequisites show as missing");
    await planAndRegister(page, [cfg.sections.prereq], "");
    const alert = page.locator('.alert.error[role="alert"]');
    await alert.waitFor();
    const rule = alert.locator('li[data-rule="prerequisite"]');
    await rule.waitFor();
    log("  not eligible: " + (await rule.textContent()));
    await shot(page, "not-eligible-prerequisite");
  },

  // Registry staff see the dashboard move while students register; the catalogue shows
  // the API's validation per field.
  async dashboard() {
    const page = staffPage;
    const count = async () => Number(await page.getByTestId("registrations").textContent());
    const deadline = Date.now() + 90_000;
    let now = await count();
    // The page was opened before the students registered and has not been reloaded since.
    while (now <= dashboardStart) {
      expect(Date.now() < deadline, `the dashboard's registrations move past ${dashboardStart} (still ${now})`);
      await page.waitForTimeout(1000);
      now = await count();
    }
    log(`  the dashboard moved by itself: registrations ${dashboardStart} → ${now}`);
    await page.locator("figure.chart svg rect").first().waitFor();
    await shot(page, "dashboard");

    await page.getByRole("link", { name: "Catalogue" }).click();
    await page.getByLabel("Code").fill("NOT A CODE");
    await page.getByLabel("Credits").fill("500");
    await page.getByRole("button", { name: "Add module" }).click();
    await page.locator(".field-error").first().waitFor();
    const fields = await page.locator(".field-error").evaluateAll((els) => els.map((e) => e.dataset.field));
    log("  the catalogue names each field at fault: " + fields.join(", "));
    expect(fields.length >= 2, "more than one field is named: " + fields.join(", "));
    await shot(page, "catalogue-validation");
  },
};

let staffPage;
let dashboardStart = 0;
const order = ["happy", "lecturer", "declined", "prerequisite", "dashboard"].filter((s) => only.size === 0 || only.has(s));
let failed = false;
try {
  if (order.includes("dashboard")) {
    // The dashboard opens first and keeps refreshing while the students register.
    staffPage = await open("registry");
    await login(staffPage, cfg.users.registry);
    await staffPage.getByTestId("registrations").waitFor();
    dashboardStart = Number(await staffPage.getByTestId("registrations").textContent());
    log(`dashboard open: ${dashboardStart} registrations so far`);
  }
  for (const name of order) {
    log(`scenario ${name}`);
    await scenarios[name]();
    log(`scenario ${name}: passed`);
  }
} catch (err) {
  failed = true;
  log(`FAILED: ${err.stack ?? err}`);
  for (const { name, page } of pages) {
    try {
      const file = path.join(cfg.artifacts, `failure-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      log(`  page of ${name} at ${page.url()} saved to ${file}`);
    } catch {
      /* the page may be gone */
    }
  }
} finally {
  await browser.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
log(failed ? "portal browser tests FAILED" : `portal browser tests: all ${order.length} scenarios passed`);
process.exit(failed ? 1 : 0);
