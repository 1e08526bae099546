// Fixture: an internal header of the daemon.
#pragma once
