// Package job owns what annals is asked to crawl and when: the settings of
// one crawl job (seeds, scope, politeness, revisit policy, extraction rules,
// the site's time zone, its schedule), the job files that name many jobs
// (TOML or YAML), and the scheduler that runs jobs on their cron schedules.
//
// Promises:
//   - job never does I/O: Parse takes a file's bytes and name, and reports
//     every problem (unknown keys, invalid cron expressions, missing seeds,
//     bad regular expressions, durations, sizes, zones and rules) with the
//     file, the line and the reason, before anything runs. A rules file a
//     job names is read by the caller and added with AddRules;
//   - a Job that Parse or New returned is complete: every setting holds its
//     value, defaults included (those of crawler.DefaultConfig), so that a
//     run can cite exactly what it was asked to do (Settings);
//   - the Scheduler never starts a second run of a job while one is under
//     way in this process (the archive's lock guards across processes),
//     reloads without dropping runs in flight, and stops by cancelling the
//     runs and waiting for them.
package job
