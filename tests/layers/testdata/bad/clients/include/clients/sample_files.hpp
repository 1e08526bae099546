// Fixture: a public header of the clients' library.
#pragma once
