// The forum with JavaScript switched off in Debian's Chromium (as on some hospital PCs and
// data-saving phones): sign up, write a case study through the compose form, read it, reply.
//
// Started by tests/integration/a11y.rs with one JSON argument:
//   { base, chromium, screenshots, member: {name, email, password}, mailDir,
//     topic: {category, title, tags, sections: [[id, markdown], …]}, reply }
// It only acts and reports what a reader sees (JSON on stdout); the Rust test asserts on it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const config = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({
    javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  const seen = {};
  // Proof that scripts really do not run: a page whose script would change its own title.
  await page.goto("data:text/html,<title>off</title><script>document.title='on'</script>");
  seen.scriptTitle = await page.title();

  await page.goto(new URL("/signup", config.base).href);
  await page.fill("#name", config.member.name);
  await page.fill("#email", config.member.email);
  await page.fill("#password", config.member.password);
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
  seen.signupSent = await text(page, "#signup-sent");
  await page.goto(await mailedLink(config.mailDir, config.member.email, "/signup/confirm/"));
  await Promise.all([page.waitForNavigation(), page.click("main form button[type=submit]")]);
  seen.viewer = await text(page, "header.site a.viewer");

  await page.goto(new URL("/new?kind=case_study", config.base).href);
  await page.selectOption("select#category", config.topic.category);
  await page.fill("#title", config.topic.title);
  for (const [id, markdown] of config.topic.sections) {
    await page.fill(`textarea#${id}`, markdown);
  }
  await page.fill("#tags", config.topic.tags);
  await Promise.all([page.waitForNavigation(), page.click("form.compose button[type=submit]")]);
  seen.topicPath = new URL(page.url()).pathname;
  seen.title = await text(page, "article.topic h1");
  seen.sections = await page.$$eval("article.topic .case-section", (all) =>
    all.map((s) => [s.querySelector("h2").innerText.trim(), s.querySelector(".body").innerText.trim()]));

  await page.fill("#reply-body", config.reply);
  await Promise.all([page.waitForNavigation(), page.click("#reply form button[type=submit]")]);
  seen.replies = await page.$$eval("article.topic section.post:not(.opening) .body", (all) => all.map((b) => b.innerText.trim()));
  await page.screenshot({ path: `${config.screenshots}/nojs-topic-phone.png`, fullPage: true });
  process.stdout.write(JSON.stringify(seen));
} finally {
  await browser.close();
}

async function text(page, selector) {
  return (await page.innerText(selector)).replace(/\s+/g, " ").trim();
}

// The newest link holding `marker` in a mail to `email`, waiting (bounded) for it: with no SMTP
// server set the forum writes each mail as an .eml file in `mailDir` (names sort by time).
async function mailedLink(mailDir, email, marker) {
  for (let i = 0; i < 150; i++) {
    const files = existsSync(mailDir) ? readdirSync(mailDir).filter((f) => f.endsWith(".eml")).sort().reverse() : [];
    for (const file of files) {
      const raw = readFileSync(join(mailDir, file), "latin1");
      if (!raw.toLowerCase().includes(email.toLowerCase())) continue;
      const link = mimeTexts(raw).join("\n").match(new RegExp(`https?://[^\\s"<>]*${marker}[A-Za-z0-9_-]+`));
      if (link) return link[0];
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`no mail to ${email} with a link holding ${marker}`);
}

// The decoded bodies of a message's MIME parts (base64 or quoted-printable as the part says).
function mimeTexts(raw) {
  return raw.split(/\r?\n--/).map((part) => {
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join("\n\n");
    if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
      return body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    }
    return body;
  });
}
