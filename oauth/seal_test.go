package oauth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

const testCookieName = "presetauth_state"

var (
	testNow     = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	testExpires = testNow.Add(10 * time.Minute)
)

func testSecret(label byte) []byte {
	return bytes.Repeat([]byte{label}, MinSecretLength)
}

func newTestSealer(t testing.TB, secrets ...[]byte) *Sealer {
	t.Helper()
	s, err := NewSealer(secrets...)
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func mustSeal(t testing.TB, s *Sealer, name string, plaintext []byte, expires time.Time) string {
	t.Helper()
	value, err := s.Seal(name, plaintext, expires)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return value
}

// maxPlaintextLength is the largest plaintext whose sealed value fits in
// MaxSealedLength characters: 3072 decoded bytes minus 41 bytes of header,
// nonce, tag and expiry.
const maxPlaintextLength = MaxSealedLength/4*3 - headerLength - 28 - expiryLength

func TestSealerRoundTrip(t *testing.T) {
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"empty", nil},
		{"short", []byte("hello")},
		{"all byte values", allBytes},
		{"max length", bytes.Repeat([]byte("x"), maxPlaintextLength)},
	}
	s := newTestSealer(t, testSecret('a'))
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			value := mustSeal(t, s, testCookieName, test.plaintext, testExpires)
			if len(value) > MaxSealedLength {
				t.Errorf("sealed value is %d characters; max is %d", len(value), MaxSealedLength)
			}

			got, err := s.Open(testCookieName, value, testNow)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, test.plaintext) {
				t.Errorf("Open = %q; want %q", got, test.plaintext)
			}
		})
	}
}

func TestSealerSealUsesFreshNonce(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	first := mustSeal(t, s, testCookieName, []byte("same"), testExpires)
	second := mustSeal(t, s, testCookieName, []byte("same"), testExpires)
	if first == second {
		t.Errorf("two seals of the same input are equal: %q", first)
	}
}

func TestSealerSealFormat(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	value := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)

	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		t.Fatalf("sealed value is not unpadded base64url: %v", err)
	}
	if raw[0] != sealVersion {
		t.Errorf("version byte = %d; want %d", raw[0], sealVersion)
	}
	if !bytes.Equal(raw[1:headerLength], s.keys[0].id[:]) {
		t.Errorf("key id = %x; want %x", raw[1:headerLength], s.keys[0].id)
	}
	// version, key id, 12-byte nonce, 8-byte expiry, plaintext, 16-byte tag
	if want := headerLength + 12 + expiryLength + len("hello") + 16; len(raw) != want {
		t.Errorf("decoded length = %d; want %d", len(raw), want)
	}
}

func TestSealerSealErrors(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	tests := []struct {
		name      string
		plaintext []byte
		expires   time.Time
	}{
		{"plaintext too long", bytes.Repeat([]byte("x"), maxPlaintextLength+1), testExpires},
		{"huge plaintext", bytes.Repeat([]byte("x"), 1<<20), testExpires},
		{"zero expiry", []byte("x"), time.Time{}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			value, err := s.Seal(testCookieName, test.plaintext, test.expires)
			if err == nil {
				t.Fatalf("Seal = %q, nil; want an error", value)
			}
			if value != "" {
				t.Errorf("Seal value = %q; want empty on error", value)
			}
			if !strings.HasPrefix(err.Error(), "oauth: ") {
				t.Errorf("error %q lacks the oauth: prefix", err)
			}
		})
	}
}

func TestSealerOpenTamperedByte(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	value := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		t.Fatal(err)
	}

	for i := range raw {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(raw)
			tampered[i] ^= mask
			tamperedValue := base64.RawURLEncoding.EncodeToString(tampered)

			got, err := s.Open(testCookieName, tamperedValue, testNow)
			if !errors.Is(err, ErrStateInvalid) {
				t.Errorf("byte %d xor %#x: Open = %q, %v; want ErrStateInvalid", i, mask, got, err)
			}
		}
	}
}

func TestSealerOpenTamperedCharacter(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	value := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)

	// Replacing the last character may change only the unused low bits,
	// which strict decoding must reject too.
	for i := range len(value) {
		for _, c := range []byte{'A', 'B', 'Q', 'g', 'w', '-', '_', '0'} {
			if value[i] == c {
				continue
			}
			tampered := value[:i] + string(c) + value[i+1:]

			got, err := s.Open(testCookieName, tampered, testNow)
			if !errors.Is(err, ErrStateInvalid) {
				t.Errorf("character %d set to %q: Open = %q, %v; want ErrStateInvalid", i, c, got, err)
			}
		}
	}
}

func TestSealerOpenMalformed(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	valid := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	if err != nil {
		t.Fatal(err)
	}
	withVersion := func(version byte) string {
		changed := bytes.Clone(raw)
		changed[0] = version
		return base64.RawURLEncoding.EncodeToString(changed)
	}

	tests := []struct {
		name  string
		value string
	}{
		{"empty", ""},
		{"one character", "A"},
		{"padded", valid + "=="},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/"},
		{"not base64", "!!!!" + valid[4:]},
		{"line feed inside", valid[:10] + "\n" + valid[10:]},
		{"carriage return inside", valid[:10] + "\r" + valid[10:]},
		{"space inside", valid[:10] + " " + valid[10:]},
		{"trailing line feed", valid + "\n"},
		{"NUL inside", valid[:10] + "\x00" + valid[10:]},
		{"non-ASCII inside", valid[:10] + "é" + valid[10:]},
		{"truncated by one", valid[:len(valid)-1]},
		{"truncated to header", base64.RawURLEncoding.EncodeToString(raw[:headerLength])},
		{"one byte short of minimum", base64.RawURLEncoding.EncodeToString(raw[:headerLength+12+16+expiryLength-1])},
		{"extra byte", base64.RawURLEncoding.EncodeToString(append(bytes.Clone(raw), 0))},
		{"version 0", withVersion(0)},
		{"version 2", withVersion(2)},
		{"version 255", withVersion(255)},
		{"over max length", strings.Repeat("A", MaxSealedLength+1)},
		{"huge", strings.Repeat("A", 1<<20)},
		{"max length of zeros", strings.Repeat("A", MaxSealedLength)},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			got, err := s.Open(testCookieName, test.value, testNow)
			if !errors.Is(err, ErrStateInvalid) {
				t.Errorf("Open = %q, %v; want ErrStateInvalid", got, err)
			}
			if got != nil {
				t.Errorf("Open plaintext = %q; want nil on error", got)
			}
		})
	}
}

func TestSealerOpenWrongName(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	value := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)

	for _, name := range []string{"", "other_state", testCookieName + "x", strings.ToUpper(testCookieName)} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			got, err := s.Open(name, value, testNow)
			if !errors.Is(err, ErrStateInvalid) {
				t.Errorf("Open = %q, %v; want ErrStateInvalid", got, err)
			}
		})
	}
}

func TestSealerOpenExpiry(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	value := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)

	tests := []struct {
		name    string
		now     time.Time
		expired bool
	}{
		{"long before", testExpires.Add(-time.Hour), false},
		{"one second before", testExpires.Add(-time.Second), false},
		{"at expiry", testExpires, true},
		{"one nanosecond after", testExpires.Add(time.Nanosecond), true},
		{"long after", testExpires.Add(24 * time.Hour), true},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			got, err := s.Open(testCookieName, value, test.now)
			if test.expired {
				if !errors.Is(err, ErrStateExpired) {
					t.Errorf("Open = %q, %v; want ErrStateExpired", got, err)
				}
				if errors.Is(err, ErrStateInvalid) {
					t.Errorf("Open error %v also matches ErrStateInvalid", err)
				}
				return
			}
			if err != nil {
				t.Errorf("Open: %v", err)
			}
		})
	}
}

func TestSealerOpenExpiryTruncated(t *testing.T) {
	// The expiry is stored in whole seconds, rounded down, so a value never
	// lives longer than requested.
	s := newTestSealer(t, testSecret('a'))
	expires := testExpires.Add(900 * time.Millisecond)
	value := mustSeal(t, s, testCookieName, []byte("hello"), expires)

	if _, err := s.Open(testCookieName, value, testExpires.Add(-time.Millisecond)); err != nil {
		t.Errorf("Open before the truncated expiry: %v", err)
	}
	if _, err := s.Open(testCookieName, value, testExpires.Add(500*time.Millisecond)); !errors.Is(err, ErrStateExpired) {
		t.Errorf("Open after the truncated expiry = %v; want ErrStateExpired", err)
	}
}

func TestSealerRotation(t *testing.T) {
	oldSecret, newSecret := testSecret('o'), testSecret('n')
	oldOnly := newTestSealer(t, oldSecret)
	rotating := newTestSealer(t, newSecret, oldSecret)
	newOnly := newTestSealer(t, newSecret)

	sealedOld := mustSeal(t, oldOnly, testCookieName, []byte("old"), testExpires)
	sealedRotating := mustSeal(t, rotating, testCookieName, []byte("new"), testExpires)

	tests := []struct {
		name   string
		sealer *Sealer
		value  string
		want   string // empty when Open must fail
	}{
		{"new and old open old", rotating, sealedOld, "old"},
		{"new and old open own", rotating, sealedRotating, "new"},
		{"new alone opens new and old", newOnly, sealedRotating, "new"},
		{"new alone rejects old", newOnly, sealedOld, ""},
		{"old alone rejects new", oldOnly, sealedRotating, ""},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			got, err := test.sealer.Open(testCookieName, test.value, testNow)
			if test.want == "" {
				if !errors.Is(err, ErrStateInvalid) {
					t.Errorf("Open = %q, %v; want ErrStateInvalid", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if string(got) != test.want {
				t.Errorf("Open = %q; want %q", got, test.want)
			}
		})
	}
}

func TestSealerSharedKeyID(t *testing.T) {
	// Two secrets whose key ids collide: Open must try both keys.
	first := newTestSealer(t, testSecret('a'))
	second := newTestSealer(t, testSecret('b'))
	both := newTestSealer(t, testSecret('a'), testSecret('b'))
	both.keys[1].id = both.keys[0].id
	second.keys[0].id = both.keys[0].id

	value := mustSeal(t, second, testCookieName, []byte("second"), testExpires)
	got, err := both.Open(testCookieName, value, testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if string(got) != "second" {
		t.Errorf("Open = %q; want %q", got, "second")
	}

	value = mustSeal(t, first, testCookieName, []byte("first"), testExpires)
	got, err = both.Open(testCookieName, value, testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if string(got) != "first" {
		t.Errorf("Open = %q; want %q", got, "first")
	}

	if _, err := both.Open("other_state", value, testNow); !errors.Is(err, ErrStateInvalid) {
		t.Errorf("Open under another name = %v; want ErrStateInvalid", err)
	}
}

func TestNewSealerErrors(t *testing.T) {
	short := []byte("twelve bytes")
	tests := []struct {
		name    string
		secrets [][]byte
		want    string
	}{
		{"no secrets", nil, "oauth: no secret given"},
		{"empty secret", [][]byte{{}}, "oauth: secret 1 is 0 bytes; use at least 32 random bytes"},
		{"short first", [][]byte{short, testSecret('a')}, "oauth: secret 1 is 12 bytes; use at least 32 random bytes"},
		{"short second", [][]byte{testSecret('a'), short}, "oauth: secret 2 is 12 bytes; use at least 32 random bytes"},
		{"one byte short", [][]byte{testSecret('a')[:MinSecretLength-1]}, "oauth: secret 1 is 31 bytes"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s, err := NewSealer(test.secrets...)
			if err == nil {
				t.Fatalf("NewSealer = %v, nil; want an error", s)
			}
			if !strings.HasPrefix(err.Error(), test.want) {
				t.Errorf("error = %q; want prefix %q", err, test.want)
			}
			if strings.Contains(err.Error(), string(short)) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestSealerErrorsOmitValue(t *testing.T) {
	s := newTestSealer(t, testSecret('a'))
	other := newTestSealer(t, testSecret('b'))
	valid := mustSeal(t, s, testCookieName, []byte("hello"), testExpires)
	expired := mustSeal(t, s, testCookieName, []byte("hello"), testNow.Add(-time.Minute))
	foreign := mustSeal(t, other, testCookieName, []byte("hello"), testExpires)

	tests := []struct {
		name  string
		value string
	}{
		{"tampered", valid[:20] + "AAAA" + valid[24:]},
		{"expired", expired},
		{"unknown key", foreign},
		{"not base64", valid + "!"},
		{"too long", valid + strings.Repeat("A", MaxSealedLength)},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := s.Open(testCookieName, test.value, testNow)
			if err == nil {
				t.Fatal("Open succeeded; want an error")
			}
			if strings.Contains(err.Error(), test.value[:16]) {
				t.Errorf("error %q contains part of the value", err)
			}
		})
	}
}

func TestSealerZeroValue(t *testing.T) {
	var s Sealer
	if _, err := s.Seal(testCookieName, []byte("x"), testExpires); err == nil {
		t.Error("Seal on a zero Sealer succeeded; want an error")
	}
	if _, err := s.Open(testCookieName, "AQAAAAA", testNow); err == nil {
		t.Error("Open on a zero Sealer succeeded; want an error")
	}

	var nilSealer *Sealer
	if _, err := nilSealer.Open(testCookieName, "AQAAAAA", testNow); err == nil {
		t.Error("Open on a nil Sealer succeeded; want an error")
	}
}

func TestSealerConcurrent(t *testing.T) {
	s := newTestSealer(t, testSecret('n'), testSecret('o'))
	const goroutines, rounds = 16, 200

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				plaintext := fmt.Appendf(nil, "goroutine %d round %d", g, i)
				value, err := s.Seal(testCookieName, plaintext, testExpires)
				if err != nil {
					errs <- err
					return
				}
				got, err := s.Open(testCookieName, value, testNow)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, plaintext) {
					errs <- fmt.Errorf("Open = %q; want %q", got, plaintext)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Fuzz fixtures: values sealed once with the secrets below and kept here, so
// that every fuzz worker checks against the same list. Values sealed at run
// time would differ between the workers because the nonces are random.
var (
	fuzzNewSecret = []byte("presetauth fuzz secret, new: 32 bytes or more")
	fuzzOldSecret = []byte("presetauth fuzz secret, old: 32 bytes or more")
	fuzzNow       = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

type knownSealed struct {
	name, value, plaintext string
	expired                bool // true when the expiry is before fuzzNow
}

var knownSealedValues = []knownSealed{
	{
		name:      "presetauth_state",
		value:     "AQfNPmpD3MzlHFeqAFQY1-6Vn7vg8GnCjvtpZjVXtCc80wU9To0oM-i08kq6hA",
		plaintext: "hello",
	},
	{
		name:      "presetauth_state",
		value:     "AQfNPmrBjmkR4wCoIDA0tvZ0TqTEI3e2HIgxGJONvoikzXDe4LQWGSs",
		plaintext: "",
	},
	{
		name: "presetauth_state",
		value: "AQfNPmrA3IHrUYXoMLkeeH6z7CIyqrObrgnzTbge3P7yp1t14v7Se-t3PTMWuKsGhib6tmm_d16CBxb9aPzO2WjO2zwv" +
			"Z9PlDN_FqoQofjYUWE19SFawupC5MSSE_Fv1793djIq3GfoJYgLCyvpEAqcXbP-Ms9eG3ptQk0LQ_PiDIn8bnXO_AOyk-RAIyro67zuRhPn4HKSBayu7aC47Lw",
		plaintext: `{"provider":"threads","state":"q8Jd2v","verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","return_to":"/profile"}`,
	},
	{
		name:      "presetauth_state",
		value:     "AQfNPmqJ0lfTqNuxp5PxtRi5zshhbHnwIi_Hr-Jcx5ZnjLJxuPygKOtqGkI",
		plaintext: "old",
		expired:   true,
	},
	{
		name:      "other_state",
		value:     "AQfNPmpT2-PT7SdrQrH1F1hydm8TFN_A2mgRQhMkFUyNYjdZpFTSkgmz",
		plaintext: "x",
	},
	{
		// sealed with fuzzOldSecret alone
		name:      "presetauth_state",
		value:     "AWi0xXR_jCbaqy7JV28hkuoibl5mbtr0LD5fFUAgP9wu2SGsy1Btk8Wb5aQ2P5sf0LBZUxj3eZR4ntosAYL0azcxkw",
		plaintext: "sealed with the old secret",
	},
}

// TestSealerKnownValues also pins the format and the key derivation: a
// change to either makes these stored values fail to open.
func TestSealerKnownValues(t *testing.T) {
	s := newTestSealer(t, fuzzNewSecret, fuzzOldSecret)
	for _, known := range knownSealedValues {
		t.Run(known.plaintext, func(t *testing.T) {
			got, err := s.Open(known.name, known.value, fuzzNow)
			if known.expired {
				if !errors.Is(err, ErrStateExpired) {
					t.Errorf("Open = %q, %v; want ErrStateExpired", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if string(got) != known.plaintext {
				t.Errorf("Open = %q; want %q", got, known.plaintext)
			}
		})
	}
}

// FuzzSealerOpen checks that Open never panics and that only values made
// by Seal open: any success or expiry must be one of knownSealedValues.
func FuzzSealerOpen(f *testing.F) {
	for _, known := range knownSealedValues {
		f.Add(known.name, known.value)
	}
	f.Add("presetauth_state", "")
	f.Add("presetauth_state", "AQ")
	f.Add("", "AQfNPmpD3MzlHFeqAFQY1-6Vn7vg8GnCjvtpZjVXtCc80wU9To0oM-i08kq6hA")

	s := newTestSealer(f, fuzzNewSecret, fuzzOldSecret)
	known := make(map[[2]string]knownSealed, len(knownSealedValues))
	for _, k := range knownSealedValues {
		known[[2]string{k.name, k.value}] = k
	}

	f.Fuzz(func(t *testing.T, name, value string) {
		got, err := s.Open(name, value, fuzzNow)
		k, isKnown := known[[2]string{name, value}]

		switch {
		case err == nil:
			if !isKnown {
				t.Fatalf("Open(%q, %q) = %q, nil; only known sealed values may open", name, value, got)
			}
			if string(got) != k.plaintext {
				t.Fatalf("Open(%q, %q) = %q; want %q", name, value, got, k.plaintext)
			}
		case errors.Is(err, ErrStateExpired):
			if !isKnown || !k.expired {
				t.Fatalf("Open(%q, %q) = %v; only known expired values may report expiry", name, value, err)
			}
		case !errors.Is(err, ErrStateInvalid):
			t.Fatalf("Open(%q, %q) = %v; want ErrStateInvalid or ErrStateExpired", name, value, err)
		case got != nil:
			t.Fatalf("Open(%q, %q) returned plaintext %q with error %v", name, value, got, err)
		}
	})
}

func BenchmarkSealerSeal(b *testing.B) {
	s := newTestSealer(b, testSecret('a'))
	plaintext := bytes.Repeat([]byte("x"), 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(testCookieName, plaintext, testExpires); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealerOpen(b *testing.B) {
	s := newTestSealer(b, testSecret('n'), testSecret('o'))
	value := mustSeal(b, s, testCookieName, bytes.Repeat([]byte("x"), 256), testExpires)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(testCookieName, value, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
