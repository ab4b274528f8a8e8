// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("CRM Archive Settings", {});
