// Copyright (c) 2026, crm_archive developers and contributors
frappe.ui.form.on("Customer Tier", {});
