package runtimes

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// dockerAPITimeout bounds the one request nsx makes to the Docker Engine
// API. nsx is often run because something hangs; a daemon that does not
// answer at once is left alone.
const dockerAPITimeout = 300 * time.Millisecond

// dockerSockets are where dockerd listens, under the host root.
var dockerSockets = []string{"run/docker.sock", "var/run/docker.sock"}

// dockerAPI holds the daemon's answer to one container listing.
type dockerAPI struct {
	byID map[string]*Container
}

// apiContainer is an element of GET /containers/json.
type apiContainer struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	State  string            `json:"State"`
	Labels map[string]string `json:"Labels"`
}

// parseDockerAPIList reads the daemon's container list.
func parseDockerAPIList(b []byte) (map[string]*Container, error) {
	var list []apiContainer
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	out := map[string]*Container{}
	for _, a := range list {
		if !IsHexID(a.ID) || len(a.ID) != 64 {
			continue
		}
		c := &Container{Runtime: Docker, ID: a.ID, Image: a.Image, State: a.State, Sources: []string{"docker API"}}
		if len(a.Names) > 0 {
			c.Name = strings.TrimPrefix(a.Names[0], "/")
		}
		if kid, ok := kubeIdentityOf(a.Labels); ok {
			kid.apply(c)
		}
		out[a.ID] = c
	}
	return out, nil
}

// loadDockerAPI asks the daemon once per Store, within dockerAPITimeout.
func (s *Store) loadDockerAPI() *dockerAPI {
	s.mu.Lock()
	if s.api != nil {
		defer s.mu.Unlock()
		return s.api
	}
	s.mu.Unlock()
	api := &dockerAPI{}
	for _, sock := range dockerSockets {
		if !s.exists(sock) {
			continue
		}
		b, err := dockerGet(s.path(sock), "/containers/json?all=1")
		switch {
		case err == nil:
			var perr error
			if api.byID, perr = parseDockerAPIList(b); perr != nil {
				s.warnf("docker API at %s: malformed container list: %v", s.hostPath(sock), perr)
			}
		case errors.Is(err, syscall.ECONNREFUSED):
			// The stale socket of a stopped dockerd is no news.
		case errors.Is(err, fs.ErrPermission):
			s.refuse(s.path(sock))
		default:
			s.warnf("docker API at %s did not answer within %v: %v", s.hostPath(sock), dockerAPITimeout, err)
		}
		break
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.api == nil {
		s.api = api
	}
	return s.api
}

// dockerGet makes one GET request over the daemon's unix socket.
func dockerGet(socket, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dockerAPITimeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		DisableKeepAlives: true,
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errFormat
	}
	var buf strings.Builder
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, 64<<20)); err != nil {
		return nil, err
	}
	return []byte(buf.String()), nil
}

// dockerFromAPI names a Docker container whose state is not under the
// default data root.
func (s *Store) dockerFromAPI(id string) *Container {
	return s.loadDockerAPI().byID[id]
}

// dockerAPIAll lists the daemon's containers, when it answers.
func (s *Store) dockerAPIAll() []*Container {
	var list []*Container
	for _, c := range s.loadDockerAPI().byID {
		list = append(list, c)
	}
	return list
}
