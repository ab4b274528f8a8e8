// Phone-width check of the desk (375 px): archive list, archive form, logging an interaction.
// Usage: node tests/browser/phone_width.mjs [base-url] [out-dir]
// Needs playwright-core from npm and Debian's chromium (/usr/bin/chromium); screenshots stay out of git.
import { chromium } from "playwright-core";
import fs from "node:fs";

const base = process.argv[2] || "http://127.0.0.1:8000";
const out = process.argv[3] || "screenshots";
fs.mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
const problems = [];
const overflow = async (what) => {
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	console.log(`${what}: scrollWidth ${w}px`);
	if (w > 380) problems.push(`${what} scrolls horizontally (${w}px)`);
};
await page.goto(`${base}/login`);
await page.fill("#login_email", process.env.CRM_USER || "Administrator");
await page.fill("#login_password", process.env.CRM_PASSWORD || "admin");
await page.click(".btn-login");
await page.waitForURL(/\/app/, { timeout: 30000 });

await page.goto(`${base}/app/customer-archive`);
await page.waitForSelector(".list-row-container, .no-result", { timeout: 30000 });
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/archive-list.png` });
await overflow("archive list");

const first = await page.evaluate(() => frappe.db.get_list("Customer Archive", { limit: 1 }));
await page.goto(`${base}/app/customer-archive/${first[0].name}`);
await page.waitForSelector(".form-layout", { timeout: 30000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/archive-form.png`, fullPage: false });
await overflow("archive form (first tab)");

await page.evaluate((name) => frappe.new_doc("Customer Interaction", { customer_archive: name }), first[0].name);
await page.waitForSelector(".modal.show .modal-dialog, .form-layout", { timeout: 30000 });
await page.waitForTimeout(1200);
await page.screenshot({ path: `${out}/interaction-quick-entry.png` });
await overflow("interaction quick entry");
const quick = await page.evaluate(() => !!document.querySelector(".modal.show .modal-dialog"));
if (!quick) problems.push("logging an interaction did not open the quick entry dialog");

await browser.close();
if (problems.length) {
	console.error("phone-width problems:\n- " + problems.join("\n- "));
	process.exit(1);
}
console.log("phone width: 3 screens checked, 0 problems");
