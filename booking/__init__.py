"""CRM core: hosts, API tokens, contacts, activities and activity types.

Import direction (checked by import-linter): ``booking`` may import ``availability``
and nothing above it. Higher layers hand down what booking needs from them.
"""
