"""Host API for contacts (shared by the whole CRM team)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter

from booking.contacts import service as contacts
from booking.contacts.schemas import Contact, ContactCreate, ContactUpdate
from web.api.params import Offset, PathId
from web.openapi import problems


class ContactController(Controller):
    path = "/contacts"
    tags = ["Contacts"]

    @get(operation_id="listContacts", summary="Contacts, optionally matching q in name or e-mail")
    async def list_contacts(
        self,
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Offset = 0,
    ) -> list[Contact]:
        return await contacts.search(q, limit=limit, offset=offset)

    @post(operation_id="createContact", responses=problems(409, 422))
    async def create_contact(self, data: JSONBody[ContactCreate]) -> Contact:
        return await contacts.create(data)

    @get("/{contact_id:int}", operation_id="getContact")
    async def get_contact(self, contact_id: PathId) -> Contact:
        return await contacts.get(contact_id)

    @patch("/{contact_id:int}", operation_id="updateContact", responses=problems(409, 422))
    async def update_contact(self, contact_id: PathId, data: JSONBody[ContactUpdate]) -> Contact:
        return await contacts.update(contact_id, data)

    @delete("/{contact_id:int}", operation_id="deleteContact")
    async def delete_contact(self, contact_id: PathId) -> None:
        await contacts.delete(contact_id)
