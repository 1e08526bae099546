// Fixture: the protocol library reaching into the daemon by relative path.
#include "../daemon/store.hpp"
#include <zmq.hpp>
