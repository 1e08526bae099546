// Fixture: the engine's public header, through the root.
#pragma once
#include "rules/ast.hpp"
