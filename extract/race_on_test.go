//go:build race

package extract

// raceSlowdown scales time bounds: the race detector slows code down
// several times over.
const raceSlowdown = 10
