package check

import "strings"

func init() {
	register(ruleTFAzureStoragePublic, ruleTFAzureStorageTLS, ruleTFAzureNSG, ruleTFAzureSQLFirewall,
		ruleTFAzureKeyVaultPurge)
}

var ruleTFAzureStoragePublic = &Rule{
	ID:          "TF025",
	Name:        "azure-storage-public-blobs",
	Title:       "Azure storage allows anonymous public blob access",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "A container with access type blob or container serves its blobs to anyone without credentials, and an account with allow_nested_items_to_be_public = true lets any container be switched to that. Only explicit settings are reported.",
	Remediation: "Set allow_nested_items_to_be_public = false on the account and container_access_type = \"private\" on containers; share data with SAS tokens or Entra ID roles.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if r.Type == "azurerm_storage_account" {
				for _, a := range []string{"allow_nested_items_to_be_public", "allow_blob_public_access"} {
					if v := r.Body.Get(a); v.True() {
						r.report(c, v.Pos(), "storage account %q sets %s = true, so containers can be made public", r.Label(), a)
					}
				}
				return
			}
			if v := r.Body.Get("container_access_type"); tfStrIn(v, "blob", "container") {
				s, _ := v.Str()
				r.report(c, v.Pos(), "storage container %q has access type %q: its blobs are readable without credentials", r.Label(), s)
			}
		}, "azurerm_storage_account", "azurerm_storage_container")
	},
}

var ruleTFAzureStorageTLS = &Rule{
	ID:          "TF026",
	Name:        "azure-storage-insecure-transport",
	Title:       "Azure storage account accepts HTTP or old TLS",
	Severity:    SeverityMedium,
	Family:      FamilySecurity,
	Rationale:   "Allowing plain HTTP sends data and shared keys in clear text, and TLS 1.0 and 1.1 have known weaknesses and are being retired by Azure.",
	Remediation: "Leave https_traffic_only_enabled at its default true and set min_tls_version = \"TLS1_2\".",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			for _, a := range []string{"https_traffic_only_enabled", "enable_https_traffic_only"} {
				if v := r.Body.Get(a); v.False() {
					r.report(c, v.Pos(), "storage account %q allows plain HTTP (%s = false)", r.Label(), a)
				}
			}
			if v := r.Body.Get("min_tls_version"); tfStrIn(v, "TLS1_0", "TLS1_1") {
				s, _ := v.Str()
				r.report(c, v.Pos(), "storage account %q accepts %s; require TLS1_2", r.Label(), s)
			}
		}, "azurerm_storage_account")
	},
}

// tfAzureOpenSources are the NSG source prefixes that mean the internet.
var tfAzureOpenSources = []string{"*", "0.0.0.0", "0.0.0.0/0", "::/0", "Internet", "Any"}

var ruleTFAzureNSG = &Rule{
	ID:          "TF027",
	Name:        "azure-nsg-open-admin-port",
	Title:       "Network security rule allows SSH, RDP or all ports from the internet",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "An inbound Allow rule from *, Internet or 0.0.0.0/0 to SSH, RDP or every port exposes the VMs behind it to internet-wide scanning and brute force, the most common way Azure VMs are compromised.",
	Remediation: "Restrict source_address_prefix to known ranges or a service tag such as VirtualNetwork, or use Azure Bastion or just-in-time VM access instead of opening the port.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if r.Type == "azurerm_network_security_rule" {
				tfNSGRuleCheck(c, r, "network security rule", r.Label(), r.Body)
				return
			}
			for _, sr := range r.Body.Blocks("security_rule") {
				name := r.Label()
				if s, ok := sr.Get("name").Str(); ok {
					name += "/" + s
				}
				tfNSGRuleCheck(c, r, "network security group rule", name, sr)
			}
		}, "azurerm_network_security_rule", "azurerm_network_security_group")
	},
}

// tfNSGRuleCheck reports each internet-wide source of one inbound allow rule
// that reaches an administrative port.
func tfNSGRuleCheck(c *Context, r *TFResource, noun, name string, rule *TFValue) {
	if !tfStrIn(rule.Get("direction"), "Inbound") || !tfStrIn(rule.Get("access"), "Allow") ||
		!tfStrIn(rule.Get("protocol"), "Tcp", "*") {
		return
	}
	var what []string
	ports := append(rule.Get("destination_port_range").List(), rule.Get("destination_port_ranges").List()...)
	for _, p := range ports {
		s, ok := p.Str()
		if !ok {
			continue
		}
		lo, hi, ok := tfPortRange(s)
		if !ok {
			continue
		}
		if w := tfAdminExposure(lo, hi); w != "" && !tfContains(what, w) {
			what = append(what, w)
		}
	}
	if len(what) == 0 {
		return
	}
	sources := append(rule.Get("source_address_prefix").List(), rule.Get("source_address_prefixes").List()...)
	for _, src := range sources {
		if tfStrIn(src, tfAzureOpenSources...) {
			s, _ := src.Str()
			if s == "*" || strings.EqualFold(s, "Any") {
				s = "any source (" + s + ")"
			}
			r.report(c, src.Pos(), "%s %q allows %s to %s", noun, name, s, strings.Join(what, " and "))
		}
	}
}

// tfAzureFirewallRuleTypes are the database firewall rule resources, which
// all take start_ip_address and end_ip_address.
var tfAzureFirewallRuleTypes = []string{
	"azurerm_sql_firewall_rule", "azurerm_mssql_firewall_rule",
	"azurerm_postgresql_firewall_rule", "azurerm_postgresql_flexible_server_firewall_rule",
	"azurerm_mysql_firewall_rule", "azurerm_mysql_flexible_server_firewall_rule",
	"azurerm_mariadb_firewall_rule", "azurerm_synapse_firewall_rule",
}

var ruleTFAzureSQLFirewall = &Rule{
	ID:          "TF028",
	Name:        "azure-sql-firewall-all",
	Title:       "Database firewall rule allows every IPv4 address",
	Severity:    SeverityHigh,
	Family:      FamilySecurity,
	Rationale:   "A rule from 0.0.0.0 to 255.255.255.255 opens the database endpoint to the whole internet, leaving only the password between an attacker and the data. The 0.0.0.0-0.0.0.0 rule (allow Azure services) is a different setting and not reported here.",
	Remediation: "Allow only the client ranges that need access, or use a private endpoint and public_network_access_enabled = false.",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			start, end := r.Body.Get("start_ip_address"), r.Body.Get("end_ip_address")
			if tfStrIn(start, "0.0.0.0") && tfStrIn(end, "255.255.255.255") {
				r.report(c, start.Pos(), "firewall rule %q allows every IPv4 address (0.0.0.0 to 255.255.255.255)", r.Label())
			}
		}, tfAzureFirewallRuleTypes...)
	},
}

var ruleTFAzureKeyVaultPurge = &Rule{
	ID:          "TF029",
	Name:        "azure-keyvault-no-purge-protection",
	Title:       "Key vault has purge protection off",
	Severity:    SeverityMedium,
	Family:      FamilyReliability,
	Rationale:   "Without purge protection a deleted vault or key can be purged at once, by mistake or by an attacker, and everything encrypted with those keys is lost for good; purge_protection_enabled defaults to false and, once on, cannot be turned off.",
	Remediation: "Set purge_protection_enabled = true (with soft_delete_retention_days of 7 to 90).",
	Formats:     tfFormats,
	Document: func(c *Context, d *Document) {
		tfEach(c, d, func(r *TFResource, _ []*TFResource) {
			if at, ok := tfNotTrue(r.Body.Get("purge_protection_enabled"), r.Pos); ok {
				r.report(c, at, "key vault %q does not enable purge_protection_enabled", r.Label())
			}
		}, "azurerm_key_vault")
	},
}
