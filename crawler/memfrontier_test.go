package crawler_test

import (
	"testing"

	"github.com/annals/annals/crawler"
	"github.com/annals/annals/crawler/frontiertest"
)

func TestMemoryFrontier(t *testing.T) {
	frontiertest.Run(t, func(t *testing.T) crawler.Frontier { return crawler.NewMemoryFrontier() })
}
