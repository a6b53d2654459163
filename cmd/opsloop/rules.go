package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opsloop/opsloop/internal/check"
	"github.com/opsloop/opsloop/internal/check/report"
)

func newRulesCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the built-in check rules",
		Long:  "List the built-in rules of opsloop check. --format markdown prints docs/rules.md.",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			rules := check.Rules()
			switch format {
			case "text":
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tFAMILY\tTITLE")
				for _, r := range rules {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Family, r.Title)
				}
				return tw.Flush()
			case "json":
				type rule struct {
					ID          string         `json:"id"`
					Name        string         `json:"name"`
					Title       string         `json:"title"`
					Severity    check.Severity `json:"severity"`
					Family      check.Family   `json:"family"`
					Rationale   string         `json:"rationale"`
					Remediation string         `json:"remediation"`
				}
				out := make([]rule, 0, len(rules))
				for _, r := range rules {
					out = append(out, rule{r.ID, r.Name, r.Title, r.Severity, r.Family, r.Rationale, r.Remediation})
				}
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			case "markdown":
				return report.RulesMarkdown(g.stdout, rules)
			}
			return usageErr(fmt.Errorf("--format: want text, json or markdown, not %q", format))
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json or markdown")
	return cmd
}
