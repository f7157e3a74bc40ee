package providers

import (
	"fmt"
	"log/slog"
)

// Format prints the provider's id and display name for every verb. The
// client credentials that Provider keeps for its requests are never
// printed.
func (p *Provider) Format(f fmt.State, verb rune) {
	if p == nil {
		fmt.Fprint(f, "<nil>")
		return
	}
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "&providers.Provider{ID:%q, Name:%q}", p.ID, p.Spec.Name)
		return
	}
	fmt.Fprintf(f, "providers.Provider{ID: %s, Name: %s}", p.ID, p.Spec.Name)
}

// LogValue logs the provider's id and display name.
func (p *Provider) LogValue() slog.Value {
	if p == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("id", p.ID), slog.String("name", p.Spec.Name))
}
