import { Type, type Static } from 'typebox';
import { closed, DateTime, Email, Id, PageQuery, Page, Role } from './common.js';

export const NewUser = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Role,
  },
  closed,
);
export type NewUser = Static<typeof NewUser>;

export const User = Type.Object(
  { id: Id, email: Email, name: Type.String(), role: Role, createdAt: DateTime },
  closed,
);
export type User = Static<typeof User>;

export const CreatedUser = Type.Object(
  {
    user: User,
    token: Type.String({ description: 'The API token of the user. It is shown only once: store it now.' }),
  },
  closed,
);

export const Me = Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Role }, closed);

export const UserListQuery = Type.Object({ role: Type.Optional(Role), ...PageQuery }, closed);
export const UserPage = Page(User);
