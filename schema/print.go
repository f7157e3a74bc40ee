package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Format prints the redacted form for every verb, so that fmt never falls
// back to the string itself, as it does for verbs such as %d that do not
// use String.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, s.GoString())
	case verb == 'q':
		fmt.Fprint(f, strconv.Quote(s.String()))
	default:
		fmt.Fprint(f, s.String())
	}
}

// Format prints the spec's fields for every verb, with the client secret
// redacted. %#v prints Go syntax; every other verb prints the %+v form.
//
// NOTE: fmt skips the methods of a value nested inside another value that
// has no methods, when the verb does not fit a pointer. An example is %s or
// %d on a struct that holds a *Spec in a pointer field. Print configs with
// %v, or log them with log/slog.
func (s Spec) Format(f fmt.State, verb rune) {
	type plain Spec // the same fields without this method
	if verb == 'v' && f.Flag('#') {
		text := fmt.Sprintf("%#v", plain(s))
		fmt.Fprint(f, "schema.Spec"+text[strings.Index(text, "{"):])
		return
	}
	fmt.Fprintf(f, "%+v", plain(s))
}
