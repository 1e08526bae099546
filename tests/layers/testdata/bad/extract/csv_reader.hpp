// Fixture: an internal header of extract.
#pragma once
