package oauthtest

import (
	"testing"
	"time"
)

func TestPruneDropsExpired(t *testing.T) {
	p, err := Builtin("threads")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(p, Client{ID: "1234567890123456", Secret: "secret"})
	defer s.Close()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })

	s.mu.Lock()
	defer s.mu.Unlock()
	expiredCode := s.issueCode(&authorizationCode{expires: now.Add(time.Hour)})
	oldToken := s.mintToken("token", time.Hour)
	recentToken := s.mintToken("exchange", 60*24*time.Hour)

	now = now.Add(tokenGrace + 2*time.Hour)
	for range pruneEvery {
		s.issueCode(&authorizationCode{expires: now.Add(time.Hour)})
	}

	if _, ok := s.codes[expiredCode]; ok {
		t.Errorf("the expired code was not pruned")
	}
	if got := len(s.codes); got != pruneEvery {
		t.Errorf("%d codes kept, want the %d live ones", got, pruneEvery)
	}
	if _, reason := s.checkToken(oldToken, []string{"token"}); reason != tokenUnknown {
		t.Errorf("old token: reason = %q, want %q after pruning", reason, tokenUnknown)
	}
	if _, reason := s.checkToken(recentToken, []string{"exchange"}); reason != "" {
		t.Errorf("live token: reason = %q, want it kept", reason)
	}
}
