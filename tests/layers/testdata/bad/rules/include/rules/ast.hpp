// Fixture: a public header of rules.
#pragma once
