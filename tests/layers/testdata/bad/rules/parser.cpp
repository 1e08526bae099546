// Fixture: rules reaching up into the engine.
#include "rules/ast.hpp"
#include "engine/engine.hpp"
