-- CreateEnum
CREATE TYPE "IdentityProviderKind" AS ENUM ('oidc', 'saml');

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "passwordLogin" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "passwordHash" DROP NOT NULL;

-- CreateTable
CREATE TABLE "IdentityProvider" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "IdentityProviderKind" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "jitProvisioning" BOOLEAN NOT NULL DEFAULT true,
    "usernameClaim" TEXT NOT NULL,
    "displayNameClaim" TEXT NOT NULL,
    "emailClaim" TEXT NOT NULL,
    "groupsClaim" TEXT NOT NULL,
    "oidcIssuer" TEXT,
    "oidcClientId" TEXT,
    "oidcClientSecret" TEXT,
    "oidcScopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "samlMetadataUrl" TEXT,
    "samlIdpEntityId" TEXT,
    "samlSsoUrl" TEXT,
    "samlSloUrl" TEXT,
    "samlIdpCertificates" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "samlSpCertificate" TEXT,
    "samlSpPrivateKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IdentityProvider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdentityProviderGroupMapping" (
    "providerId" UUID NOT NULL,
    "externalGroup" TEXT NOT NULL,
    "groupId" UUID NOT NULL,

    CONSTRAINT "IdentityProviderGroupMapping_pkey" PRIMARY KEY ("providerId","externalGroup","groupId")
);

-- CreateTable
CREATE TABLE "ExternalIdentity" (
    "providerId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExternalIdentity_pkey" PRIMARY KEY ("providerId","subject")
);

-- CreateTable
CREATE TABLE "SsoAttempt" (
    "id" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "browserHash" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "nonce" TEXT,
    "codeVerifier" TEXT,
    "returnTo" TEXT NOT NULL DEFAULT '/',
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),
    "userId" UUID,
    "codeHash" TEXT,
    "codeExpiresAt" TIMESTAMP(3),
    "idToken" TEXT,
    "samlNameId" TEXT,
    "samlNameIdFormat" TEXT,
    "samlSessionIndex" TEXT,
    "familyId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SsoAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "IdentityProvider_orgId_name_key" ON "IdentityProvider"("orgId", "name");

-- CreateIndex
CREATE INDEX "IdentityProviderGroupMapping_groupId_idx" ON "IdentityProviderGroupMapping"("groupId");

-- CreateIndex
CREATE INDEX "ExternalIdentity_userId_idx" ON "ExternalIdentity"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "SsoAttempt_state_key" ON "SsoAttempt"("state");

-- CreateIndex
CREATE UNIQUE INDEX "SsoAttempt_codeHash_key" ON "SsoAttempt"("codeHash");

-- CreateIndex
CREATE INDEX "SsoAttempt_familyId_idx" ON "SsoAttempt"("familyId");

-- CreateIndex
CREATE INDEX "SsoAttempt_expiresAt_idx" ON "SsoAttempt"("expiresAt");

-- AddForeignKey
ALTER TABLE "IdentityProvider" ADD CONSTRAINT "IdentityProvider_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityProviderGroupMapping" ADD CONSTRAINT "IdentityProviderGroupMapping_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "IdentityProvider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityProviderGroupMapping" ADD CONSTRAINT "IdentityProviderGroupMapping_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExternalIdentity" ADD CONSTRAINT "ExternalIdentity_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "IdentityProvider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExternalIdentity" ADD CONSTRAINT "ExternalIdentity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SsoAttempt" ADD CONSTRAINT "SsoAttempt_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "IdentityProvider"("id") ON DELETE CASCADE ON UPDATE CASCADE;
