package job

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the job-file parser arbitrary TOML and YAML: it must
// never panic, and whatever it accepts must be a complete, valid job list.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"jobs.toml", "jobs.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, strings.HasSuffix(name, ".yaml"))
	}
	f.Add([]byte("[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nschedule = \"@every 1s\"\n"), false)
	f.Add([]byte("job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  rules: [{host: a.example, title: h1}]\n"), true)
	f.Add([]byte("[defaults]\ndelay = 5\n[[job.rules]]\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, yaml bool) {
		name := "jobs.toml"
		if yaml {
			name = "jobs.yaml"
		}
		file, err := Parse(data, name)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(file.Jobs) == 0 {
			t.Fatal("accepted a file without jobs")
		}
		for _, j := range file.Jobs {
			if err := j.Validate(); err != nil {
				t.Fatalf("accepted an invalid job %q: %v", j.Name, err)
			}
			if j.Line <= 0 {
				t.Errorf("job %q has no line", j.Name)
			}
		}
	})
}
