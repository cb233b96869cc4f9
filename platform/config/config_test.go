package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

type inner struct {
	Rate float64 `yaml:"rate" env:"LGSP_TEST_RATE" check:"min=0,max=1" help:"a fraction"`
}

type sample struct {
	Addr    string        `yaml:"addr" env:"LGSP_TEST_ADDR" check:"hostport" help:"where to listen"`
	Timeout time.Duration `yaml:"timeout" env:"LGSP_TEST_TIMEOUT" check:"min=1ms" help:"how long"`
	Count   int           `yaml:"count" env:"LGSP_TEST_COUNT" check:"min=1,max=10" help:"how many"`
	Mode    string        `yaml:"mode" env:"LGSP_TEST_MODE" check:"oneof=a|b" help:"which"`
	Hosts   []string      `yaml:"hosts" env:"LGSP_TEST_HOSTS" check:"any" help:"names"`
	Secret  string        `yaml:"secret" env:"LGSP_TEST_SECRET" check:"min=8,omitempty" secret:"true" help:"a key"`
	Inner   inner         `yaml:"inner" env:"LGSP_TEST_INNER" help:"nested"`
	Clock   func() time.Time
}

func defaults() sample {
	return sample{Addr: ":1", Timeout: time.Second, Count: 2, Mode: "a"}
}

func write(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadOrder(t *testing.T) {
	path := write(t, "log_level: debug\nsvc:\n  addr: \":9000\"\n  count: 3\n  hosts: [a, b]\n  inner:\n    rate: 0.5\n")
	type top struct {
		LogLevel string `yaml:"log_level" env:"LGSP_TEST_LOG_LEVEL" check:"any"`
	}
	s, p := defaults(), top{}
	_, err := config.Load(config.Options{File: path, Environ: []string{"LGSP_TEST_COUNT=7", "LGSP_TEST_SECRET=abcdefghij"}},
		config.Section{Value: &p}, config.Section{Name: "svc", Value: &s})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != ":9000" || s.Count != 7 || s.Timeout != time.Second || s.Inner.Rate != 0.5 ||
		strings.Join(s.Hosts, ",") != "a,b" || p.LogLevel != "debug" || s.Secret != "abcdefghij" {
		t.Fatalf("got %+v %+v: want file addr, env count, default timeout", s, p)
	}
}

func TestBareNumberDurationRefused(t *testing.T) {
	s := defaults()
	_, err := config.Load(config.Options{Environ: []string{"LGSP_TEST_TIMEOUT=5"}}, config.Section{Name: "svc", Value: &s})
	if err == nil || !strings.Contains(err.Error(), "LGSP_TEST_TIMEOUT") || !strings.Contains(err.Error(), "5s") {
		t.Fatalf("error %v: want the setting named and the fix shown", err)
	}
	path := write(t, "svc:\n  timeout: 250\n")
	_, err = config.Load(config.Options{File: path, Environ: []string{}}, config.Section{Name: "svc", Value: &s})
	if err == nil || !strings.Contains(err.Error(), "svc.timeout") || !strings.Contains(err.Error(), "250ms") {
		t.Fatalf("error %v: want the key named and the fix shown", err)
	}
}

func TestUnknownKeysAndVariables(t *testing.T) {
	s := defaults()
	path := write(t, "svc:\n  cuont: 3\n")
	_, err := config.Load(config.Options{File: path, Environ: []string{}}, config.Section{Name: "svc", Value: &s})
	if err == nil || !strings.Contains(err.Error(), `"svc.cuont"`) || !strings.Contains(err.Error(), `"count"`) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("error %v: want the unknown key, its line and a suggestion", err)
	}
	path = write(t, "svcc:\n  count: 3\n")
	_, err = config.Load(config.Options{File: path, Environ: []string{}}, config.Section{Name: "svc", Value: &s})
	if err == nil || !strings.Contains(err.Error(), `"svc:"`) {
		t.Fatalf("error %v: want the unknown section and a suggestion", err)
	}
	res, err := config.Load(config.Options{Environ: []string{"LGSP_TEST_CUONT=1", "LGSP_ADMIN_URL=x", "HOME=/"}, Ignore: []string{"LGSP_ADMIN_URL"}},
		config.Section{Name: "svc", Value: &s})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unknown) != 1 || res.Unknown[0].Name != "LGSP_TEST_CUONT" || res.Unknown[0].Suggestion != "LGSP_TEST_COUNT" {
		t.Fatalf("unknown = %+v", res.Unknown)
	}
}

func TestRules(t *testing.T) {
	for _, st := range config.Describe(config.Section{Name: "svc", Value: &sample{}}) {
		bad, ok := st.BadValue()
		if !ok {
			continue
		}
		s := defaults()
		_, err := config.Load(config.Options{Environ: []string{st.Env + "=" + bad}}, config.Section{Name: "svc", Value: &s})
		if err == nil || !strings.Contains(err.Error(), st.Env) {
			t.Errorf("%s=%q: error %v does not name the setting", st.Env, bad, err)
		}
		if st.Secret && err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("%s: error shows the secret: %v", st.Env, err)
		}
	}
}

func TestJSONGroupFromEnvironment(t *testing.T) {
	s := defaults()
	if _, err := config.Load(config.Options{Environ: []string{`LGSP_TEST_INNER={"Rate":0.25}`}}, config.Section{Name: "svc", Value: &s}); err != nil {
		t.Fatal(err)
	}
	if s.Inner.Rate != 0.25 {
		t.Fatalf("rate %v", s.Inner.Rate)
	}
	if _, err := config.Load(config.Options{Environ: []string{`LGSP_TEST_INNER={"Nope":1}`}}, config.Section{Name: "svc", Value: &s}); err == nil || !strings.Contains(err.Error(), "LGSP_TEST_INNER") {
		t.Fatalf("error %v", err)
	}
}

func TestPrintRoundTripsAndMasks(t *testing.T) {
	s := defaults()
	s.Secret = "supersecretvalue"
	s.Hosts = []string{"x", "y"}
	var b strings.Builder
	if err := config.Print(&b, config.Section{Name: "svc", Value: &s}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "supersecretvalue") || !strings.Contains(out, "secret: '***'") || !strings.Contains(out, "LGSP_TEST_COUNT") {
		t.Fatalf("printed:\n%s", out)
	}
	// Without the masked secret the printed file loads back to the same values.
	path := write(t, strings.Replace(out, "secret: '***'", "secret: ''", 1))
	back := sample{}
	if _, err := config.Load(config.Options{File: path, Environ: []string{}}, config.Section{Name: "svc", Value: &back}); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Addr != s.Addr || back.Timeout != s.Timeout || back.Count != s.Count || strings.Join(back.Hosts, ",") != "x,y" {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestInvalidMessage(t *testing.T) {
	err := &config.Invalid{Setting: "LGSP_ADMIN_ADDR", Value: "x", Reason: "not host:port"}
	if got := err.Error(); !strings.Contains(got, "LGSP_ADMIN_ADDR") || !strings.Contains(got, "not host:port") {
		t.Fatalf("message %q", got)
	}
}
