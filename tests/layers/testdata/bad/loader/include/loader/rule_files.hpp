// Fixture: the program-loading library's public header.
#pragma once
#include "extract/mapping.hpp"
#include "engine/engine.hpp"
