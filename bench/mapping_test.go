package bench

import (
	"reflect"
	"testing"

	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// TestMappingOnePassMatchesPaths checks that a mapping of plain member
// names, which Apply reads in one pass over the reply, gives the same
// profile as gjson paths do. The second mapping adds one nested path,
// which makes every field go through gjson.Get.
func TestMappingOnePassMatchesPaths(t *testing.T) {
	plain := schema.ProfileMapping{
		ID:            schema.Paths{"id", "user_id"},
		Name:          schema.Paths{"name", "login"},
		Email:         schema.Paths{"email"},
		EmailVerified: schema.Paths{"email_verified"},
		Image:         schema.Paths{"avatar_url"},
		Extra:         map[string]schema.Paths{"login": {"login"}, "plan": {"plan"}, "count": {"count"}},
	}
	withPath := plain
	withPath.Extra = map[string]schema.Paths{"login": {"login"}, "plan": {"plan"}, "count": {"count"}, "nested": {"a.b"}}

	onePass, err := providers.NewMapping(plain)
	if err != nil {
		t.Fatal(err)
	}
	byPath, err := providers.NewMapping(withPath)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		reply string
	}{
		{"all fields", `{"id":"1","name":"N","email":"e@x","email_verified":true,"avatar_url":"u","login":"l","plan":{"name":"pro","seats":3},"count":12}`},
		{"numeric id above 2^53", `{"id":17841405793187219,"login":"l"}`},
		{"fallback paths", `{"user_id":"7","name":"","login":"only-login","email_verified":"TRUE"}`},
		{"repeated member", `{"id":"first","id":"second","name":"a","name":"b"}`},
		{"escaped member name", `{"\u0069d":"escaped","name":"x\"y"}`},
		{"null values", `{"id":"1","name":null,"email":null,"plan":null}`},
		{"false and empty", `{"id":"1","email_verified":false,"login":"","count":0}`},
		{"no id", `{"name":"n"}`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			want, wantErr := byPath.Apply([]byte(test.reply))
			got, gotErr := onePass.Apply([]byte(test.reply))
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("error: one pass %v, paths %v", gotErr, wantErr)
			}
			if gotErr != nil {
				return
			}
			delete(want.Extra, "nested")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("one pass %+v\npaths    %+v", got, want)
			}
		})
	}
}
