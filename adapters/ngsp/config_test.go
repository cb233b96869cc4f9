package ngsp

import (
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	ok := Config{BaseURL: "https://ngsp.example/", ConsumerKey: "k", ConsumerSecret: "secret-value-123"}
	c, err := New(ok)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if c.cfg.TokenURL != "https://ngsp.example/token" || c.cfg.Retries != DefaultRetries || c.cfg.Timeout != DefaultTimeout {
		t.Fatalf("defaults = %+v", c.cfg)
	}
	bad := []struct {
		setting string
		mutate  func(*Config)
	}{
		{"BaseURL", func(c *Config) { c.BaseURL = "ngsp.example" }},
		{"TokenURL", func(c *Config) { c.TokenURL = "/token" }},
		{"ConsumerKey", func(c *Config) { c.ConsumerKey = " " }},
		{"ConsumerSecret", func(c *Config) { c.ConsumerSecret = "" }},
		{"Timeout", func(c *Config) { c.Timeout = -time.Second }},
		{"BackoffMax", func(c *Config) { c.BackoffBase, c.BackoffMax = time.Second, time.Millisecond }},
		{"Retries", func(c *Config) { c.Retries = 50 }},
	}
	for _, b := range bad {
		cfg := ok
		b.mutate(&cfg)
		_, err := New(cfg)
		if err == nil || !contains(err.Error(), b.setting) {
			t.Errorf("%s: error = %v", b.setting, err)
		} else if contains(err.Error(), "secret-value-123") {
			t.Errorf("%s: error carries the secret: %v", b.setting, err)
		}
	}
}

func TestPathsAreChecked(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", ConsumerKey: "k", ConsumerSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"apiX/1.0/a", "//evil.example/a", "/a/../token", "/a?x=1"} {
		if _, err := c.Get(bg(), p, nil); KindOf(err) != Misconfigured {
			t.Errorf("path %q: error = %v", p, err)
		}
	}
	if c.TokenRequests() != 0 {
		t.Fatal("a bad path fetched a token")
	}
}
